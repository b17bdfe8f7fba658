import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Request, Route } from 'playwright-core';
import { PHONE } from '../browser';
import { Journey, PASSWORD, reloadUntil, see, shot, UUID, visit } from '../world';

/** The brand's journeys: building, paying for, running and watching a campaign. */

export const buildCampaign: Journey = {
  name: 'brand signs up and builds a campaign whose audience follows the rules',
  async run(world) {
    const page = await world.persona('brand');
    await page.goto('/#/signup');
    await page.getByLabel('a brand giving perks').check();
    await page.getByLabel('Brand name').fill(`Beans ${world.run}`);
    await page.getByLabel('Email').fill(world.brandEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/#\/campaigns\/new$/);

    await page.getByLabel('Campaign name').fill(`${world.campaignName} (working title)`);
    await page.getByLabel('What members get').fill(world.perkTitle);
    await page.getByLabel('Cost per unit (USD)').fill('2.00');
    await page.getByLabel('Units', { exact: true }).fill('3');
    await page.getByLabel('Minimum score').fill('95');
    await page.getByLabel('Countries').fill('US, CA');
    await page.getByLabel('Ends').fill(new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10));
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL(/#\/campaigns\/[0-9a-f-]{36}\/edit$/);
    world.campaignId = UUID.exec(page.url())?.[0];

    const count = page.getByTestId('audience-count');
    await see(page, count.getByText('0', { exact: true }), 'an audience of 0 members at a minimum score of 95');
    // Lowering the threshold saves the draft by itself and recounts the audience.
    await page.getByLabel('Minimum score').fill('50');
    await see(page, page.getByTestId('save-indicator').getByText('All changes saved'), 'the draft saved');
    await see(page, count.getByText('1', { exact: true }), 'an audience of 1 member at a minimum score of 50');
    await page.getByLabel('Countries').fill('USA');
    await see(page, page.getByText('Countries are two-letter codes'), 'the country rule explained');
    await page.getByLabel('Countries').fill('US, CA');
    await see(page, page.getByTestId('save-indicator').getByText('All changes saved'), 'the draft saved again');

    // A change taken back while its save is on the way is saved after it: a save once sent is never
    // cancelled (the server may have applied it), so the last one sent is the form as shown.
    const id = world.need(world.campaignId, 'no campaign was created');
    const brandToken = await world.token('brand');
    const serverHas = (description: string) => async () =>
      (await world.api.call<{ description: string }>('GET', `/campaigns/${id}`, { token: brandToken })).description === description || undefined;
    const slowAnswers = async (route: Route) => {
      if (route.request().method() !== 'PATCH') return route.continue();
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.fulfill({ response }).catch(() => undefined);
    };
    await page.route(`**/campaigns/${id}`, slowAnswers);
    const description = page.getByLabel('Description (optional)');
    await description.fill('Beans!');
    await world.api.waitFor('the description saved', serverHas('Beans!'));
    await description.fill('');
    await world.api.waitFor('the description taken back saved after it', serverHas(''), 10_000);
    await page.unroute(`**/campaigns/${id}`, slowAnswers);
    // A change still waiting for its save when the brand leaves the builder is saved all the same.
    await description.fill('Whole beans');
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await world.api.waitFor('the change made just before leaving saved', serverHas('Whole beans'), 10_000);
    await page.goBack();
    await see(page, page.getByRole('heading', { name: /^Edit “/ }), 'the draft in the builder again');
    if ((await description.inputValue()) !== 'Whole beans') throw new Error('the builder lost the description saved on leaving');
    await shot(page, 'brand-builder');
    // "New campaign" from a draft's builder is an empty form, not a copy of the draft.
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.waitForURL(/#\/campaigns\/new$/);
    // The address changes before React renders the new page (the router navigates in a transition).
    await see(page, page.getByRole('heading', { name: 'New campaign' }), 'the new campaign form');
    if ((await page.getByLabel('Campaign name').inputValue()) !== '') throw new Error('the new campaign form kept the draft being edited');
    await page.goBack();
    await page.waitForURL(/#\/campaigns\/[0-9a-f-]{36}\/edit$/);
    await see(page, page.getByRole('heading', { name: /^Edit “/ }), 'the draft in the builder again');
    // "Done" right after typing must not lose the change still waiting for its autosave.
    await page.getByLabel('Campaign name').fill(world.campaignName);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.waitForURL(/#\/campaigns\/[0-9a-f-]{36}$/);
    await see(page, page.getByRole('heading', { name: world.campaignName, exact: true }), 'the final name saved by "Done"');
  },
};

export const uploadCodesAndPay: Journey = {
  name: 'brand uploads codes and pays through Checkout, then is back on the campaign',
  async run(world) {
    const id = world.need(world.campaignId, 'no campaign was created');
    const page = await world.persona('brand');
    await visit(page, `/#/campaigns/${id}`);
    // A file changed on disk after it was chosen cannot be read: the brand is told to choose it again.
    const file = join(tmpdir(), `perks-codes-${world.run}.csv`);
    writeFileSync(file, 'code\nSTALE-1\n');
    await page.getByLabel('Upload codes (CSV)').setInputFiles(file);
    await page.waitForTimeout(1100);
    writeFileSync(file, 'code\nSTALE-1\nSTALE-2\n');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await see(page, page.getByRole('alert').getByText('Choose the file again'), 'a changed file explained');
    rmSync(file);

    await page.getByLabel('Upload codes (CSV)').setInputFiles({
      name: 'codes.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`code\nBEAN-${world.run}-1\nBEAN-${world.run}-2\nBEAN-${world.run}-3\nBEAN-${world.run}-3\n`),
    });
    // A double click uploads once.
    const uploads: string[] = [];
    const noteUpload = (request: Request) => void (request.method() === 'POST' && request.url().endsWith('/codes') && uploads.push(request.url()));
    page.on('request', noteUpload);
    await page.getByRole('button', { name: 'Upload', exact: true }).dblclick();
    await see(page, page.getByText('Added 3 codes; skipped 1 duplicates.'), 'the upload result');
    page.off('request', noteUpload);
    if (uploads.length !== 1) throw new Error(`a double click on Upload sent ${uploads.length} uploads`);
    await see(page, page.getByTestId('codes-loaded').getByText('3', { exact: true }), '3 codes loaded');

    const checkoutOpened = page.context().waitForEvent('page');
    await page.getByRole('button', { name: /^Pay / }).click();
    const checkout = await checkoutOpened;
    await checkout.waitForLoadState();
    await see(checkout, checkout.getByRole('button', { name: /^Pay/ }), 'the Stripe checkout page');
    await checkout.getByRole('button', { name: /^Pay/ }).click();
    await see(checkout, checkout.getByRole('link', { name: 'Return to the platform' }), 'the payment confirmation');
    await see(page, page.getByTestId('campaign-status').getByText('Funded'), 'the campaign funded on the page that opened checkout', 20_000);

    // Stripe's return link brings the browser back to the campaign in the console.
    await checkout.getByRole('link', { name: 'Return to the platform' }).click();
    await checkout.waitForURL(new RegExp(`#/campaigns/${id}\\?funding=success$`));
    await see(checkout, checkout.getByTestId('campaign-status').getByText('Funded'), 'the campaign page after returning from checkout');
    await checkout.close();
  },
};

export const launchPauseResume: Journey = {
  name: 'brand launches, pauses and resumes the campaign',
  async run(world) {
    const id = world.need(world.campaignId, 'no campaign was created');
    const page = await world.persona('brand');
    await visit(page, `/#/campaigns/${id}`);
    await see(page, page.getByText('Approved by our team.'), 'the approval');
    // The launch's answer is lost on the way back: the page reloads and shows the campaign live anyway.
    await page.route('**/launch', async (route) => {
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.getByRole('button', { name: 'Launch' }).click();
    await see(page, page.getByRole('alert').getByText('We could not reach the server'), 'the lost answer explained');
    await see(page, page.getByTestId('campaign-status').getByText('Live'), 'the campaign live after the lost answer');
    await page.unroute('**/launch');
    // Pause stays busy until the reloaded page shows the campaign paused: a second click cannot pause again.
    await page.route(`**/campaigns/${id}`, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await route.continue();
    });
    const paused = page.waitForResponse((response) => response.url().endsWith('/pause'));
    await page.getByRole('button', { name: 'Pause' }).click();
    await paused;
    await page.waitForTimeout(300);
    if (await page.getByRole('button', { name: 'Pause' }).isEnabled()) throw new Error('Pause is enabled again before the page shows the campaign paused');
    await see(page, page.getByTestId('campaign-status').getByText('Paused'), 'the campaign paused');
    await page.unroute(`**/campaigns/${id}`);
    await page.getByRole('button', { name: 'Resume' }).click();
    await see(page, page.getByTestId('campaign-status').getByText('Live'), 'the campaign live again');
  },
};

export const watchDashboardAndEnd: Journey = {
  name: 'brand watches the dashboard, then ends the campaign',
  async run(world) {
    const id = world.need(world.campaignId, 'no campaign was created');
    const page = await world.persona('brand');
    await visit(page, `/#/campaigns/${id}`);
    const stats = page.getByTestId('stats');
    await see(page, stats.getByText('1 / 2', { exact: true }), '1 of 2 units claimed', 20_000);
    await see(page, page.getByRole('img', { name: /Claims by country: US 1/ }), 'the claims by country chart');
    await see(page, page.getByRole('img', { name: /Fulfillment: Delivered 1/ }), 'the fulfillment chart');
    await see(page, stats.getByText('$6.60'), 'the funded amount (3 units × $2.00 + 10% fee)');
    await shot(page, 'brand-dashboard');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'End campaign' }).click();
    await see(page, page.getByTestId('campaign-status').getByText('Ended'), 'the campaign ended');
    // Refunds run as a queue job after the end: 3 paid units − 1 claimed = 2 unused, plus their share of the fee.
    await reloadUntil(page, stats.getByText('$4.40'), 'the refund of the unused units ($4.40)');

    // The member's delivered claim keeps the perk's name once the campaign has ended.
    const member = await world.persona('member');
    await visit(member, '/#/claims');
    await see(member, member.getByTestId('claim').getByRole('heading', { name: world.perkTitle }), 'the ended perk named on the claim');
  },
};

export const fitPhoneScreens: Journey = {
  name: 'brand and admin pages fit a phone screen',
  async run(world) {
    const id = world.need(world.campaignId, 'no campaign was created');
    const brand = await world.persona('brand');
    await brand.setViewportSize(PHONE);
    await visit(brand, `/#/campaigns/${id}`);
    await see(brand, brand.getByTestId('stats'), 'the results on a phone');
    await shot(brand, 'phone-brand-dashboard');
    await brand.goto('/#/campaigns/new');
    await see(brand, brand.getByLabel('Campaign name'), 'the builder on a phone');
    await shot(brand, 'phone-brand-builder');
    const admin = await world.persona('admin');
    await admin.setViewportSize(PHONE);
    await visit(admin, `/#/campaigns/${id}`);
    await see(admin, admin.getByTestId('ledger-entry'), 'the ledger on a phone');
    await shot(admin, 'phone-admin-campaign');
  },
};
