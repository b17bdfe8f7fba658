import { join } from 'node:path';
import { ADMIN, PROVIDER_KEY } from '../platform';
import { Journey, PASSWORD, reloadUntil, SCREENSHOTS_DIR, see, shot, visit } from '../world';

/** The admin's journeys: moderation, stock, money, shipping and the claims that need a person. */

export const approveCampaign: Journey = {
  name: 'admin logs in with the keyboard and approves the campaign in the moderation queue',
  async run(world) {
    const id = world.need(world.campaignId, 'no campaign was created');
    const page = await world.persona('admin');
    await page.goto('/#/login');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await see(page, page.getByRole('alert').getByText('The email or password is wrong.'), 'a wrong password explained');

    await page.getByLabel('Email').focus();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(ADMIN.email);
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/admin\/moderation$/);

    const item = page.getByTestId('review-item').filter({ hasText: world.campaignName });
    await see(page, item, 'the campaign waiting for review');
    await item.getByRole('button', { name: 'Reject…' }).click();
    await item.getByRole('button', { name: 'Reject campaign' }).click();
    await see(page, item.getByText('Tell the brand why'), 'a reason required to reject');
    await shot(page, 'admin-moderation');
    await item.getByRole('button', { name: 'Approve' }).click();
    await item.waitFor({ state: 'detached' });

    await visit(page, `/#/campaigns/${id}`);
    await see(page, page.getByText('Approved by our team.'), 'the campaign approved');
  },
};

export const adjustStockAndReadLedger: Journey = {
  name: 'admin adjusts the stock with an audit trail and reads the ledger',
  async run(world) {
    const id = world.need(world.campaignId, 'no campaign was created');
    const page = await world.persona('admin');
    await visit(page, `/#/campaigns/${id}`);
    await page.getByLabel('Change in units').fill('-1');
    await page.getByRole('button', { name: 'Apply' }).click();
    await see(page, page.getByText('Say why; it goes into the audit trail.'), 'a reason required for an adjustment');
    await page.getByLabel('Reason', { exact: true }).fill('One unit kept for the press');
    // The answer is lost after the server applied the adjustment: Apply again is answered with the
    // adjustment made (the same Idempotency-Key), not applied a second time.
    await page.route('**/inventory-adjustments', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.getByRole('button', { name: 'Apply' }).click();
    await see(page, page.getByRole('alert').getByText('We could not reach the server'), 'the lost answer');
    await page.unroute('**/inventory-adjustments');
    await page.getByRole('button', { name: 'Apply' }).click();
    const units = page.getByLabel('Change in units');
    await world.api.waitFor('the form emptied once the retry was answered', async () => ((await units.inputValue()) === '' ? true : undefined), 10_000);
    await see(page, page.getByTestId('adjustment').filter({ hasText: 'One unit kept for the press' }), 'the adjustment in the audit trail');
    await see(page, page.getByTestId('inventory').getByText('2', { exact: true }), '2 units after the adjustment, applied once');
    if ((await page.getByTestId('adjustment').count()) !== 1) throw new Error('the adjustment was applied twice');
    // Only a sign and digits: "1e1" is not 10.
    await page.getByLabel('Change in units').fill('1e1');
    await page.getByLabel('Reason', { exact: true }).fill('Scientific notation');
    await page.getByRole('button', { name: 'Apply' }).click();
    await see(page, page.getByText('Enter a whole number of units'), '"1e1" refused');
    await see(page, page.getByTestId('ledger-entry'), 'the payment in the ledger');
    await shot(page, 'admin-campaign');

    await page.getByRole('link', { name: 'Claims', exact: true }).click();
    await see(page, page.getByRole('heading', { name: 'Claims' }), 'the claims page');
    await see(page, page.getByText('No failed claims').or(page.getByTestId('failed-claim')), 'the failed claims list or its empty state');
    // The dashboard needs the admin's session: the console asks for a short-lived one and opens it in a new tab.
    const opened = page.context().waitForEvent('page');
    await page.getByRole('button', { name: /queue dashboard/ }).click();
    const dashboard = await opened;
    await dashboard.waitForURL(/\/admin\/queues/);
    await dashboard.waitForLoadState();
    const body = await dashboard.locator('body').innerText();
    if (/UNAUTHORIZED|FORBIDDEN|NOT_FOUND/.test(body)) throw new Error(`the queue dashboard refused the admin: ${body.slice(0, 200)}`);
    await see(dashboard, dashboard.getByText(/fulfillment/i), 'the fulfillment queue on the dashboard');
    // bull-board is not the console's page: a plain screenshot, without the console's width check.
    await dashboard.screenshot({ path: join(SCREENSHOTS_DIR, 'admin-queue-dashboard.png') });
    await dashboard.close();
  },
};

export const rejectCampaign: Journey = {
  name: 'admin rejects a campaign with a reason the brand reads',
  async run(world) {
    const draft = await world.api.call<{ id: string }>('POST', '/campaigns', {
      token: await world.token('brand'),
      body: {
        name: `Too good to be true ${world.run}`,
        description: 'A free car for everyone',
        perk: { kind: 'physical', title: 'A car', unitCostCents: 100 },
        totalUnits: 1,
        perMemberLimit: 1,
        endsAt: new Date(Date.now() + 5 * 86_400_000).toISOString(),
        eligibility: { provider: 'klout' },
      },
    });
    const admin = await world.persona('admin');
    await visit(admin, '/#/admin/moderation');
    const item = admin.getByTestId('review-item').filter({ hasText: `Too good to be true ${world.run}` });
    await see(admin, item, 'the campaign waiting for review');
    await item.getByRole('button', { name: 'Reject…' }).click();
    await item.getByLabel('Reason for the brand').fill('A car for one cent is not a real offer; describe the actual perk.');
    await item.getByRole('button', { name: 'Reject campaign' }).click();
    await item.waitFor({ state: 'detached' });

    const brand = await world.persona('brand');
    await visit(brand, `/#/campaigns/${draft.id}`);
    await see(brand, brand.getByText('Rejected by our team: A car for one cent is not a real offer'), 'the rejection reason for the brand');
  },
};

export const shipPhysicalPerk: Journey = {
  name: 'admin ships the physical perk and the member sees the tracking number',
  async run(world) {
    world.need(world.physicalCampaignId, 'no physical perk was claimed');
    const admin = await world.persona('admin');
    await admin.goto('/#/admin/claims');
    await admin.getByRole('button', { name: 'Waiting to ship' }).click();
    const parcel = admin.getByTestId('shipment').filter({ hasText: '1 Analytical Street' });
    await reloadUntil(admin, parcel, 'the physical claim waiting to ship with its address');
    await parcel.getByRole('button', { name: 'Mark shipped' }).click();
    await see(admin, parcel.getByText('Enter the tracking number from the carrier.'), 'a tracking number required');
    await parcel.getByLabel('Tracking number').fill(`TRACK-${world.run}`);
    await parcel.getByLabel('Carrier (optional)').fill('Parcel Co');
    await shot(admin, 'admin-shipping');
    // "Mark shipped" stays busy until the list without the parcel has loaded: a second click cannot ship again.
    await admin.route('**/admin/claims?status=pending*', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await route.continue();
    });
    const shipped = admin.waitForResponse((response) => response.url().endsWith('/ship'));
    await parcel.getByRole('button', { name: 'Mark shipped' }).click();
    await shipped;
    await admin.waitForTimeout(300);
    if (await parcel.getByRole('button', { name: 'Mark shipped' }).isEnabled()) throw new Error('Mark shipped is enabled again before the list shows the parcel shipped');
    await parcel.waitFor({ state: 'detached' });
    await admin.unroute('**/admin/claims?status=pending*');

    const member = await world.persona('member');
    await visit(member, '/#/claims');
    const claim = member.getByTestId('claim').filter({ hasText: world.physicalTitle });
    await reloadUntil(member, claim.getByText(`TRACK-${world.run}`), 'the tracking number on the claim');
  },
};

export const releaseHeldClaim: Journey = {
  name: 'admin releases a claim held for a shared shipping address',
  async run(world) {
    const campaignId = world.need(world.physicalCampaignId, 'no physical perk was claimed');
    const { api } = world;
    // A second account sends the mug to Ada's address: the abuse rules hold that claim for review.
    const twin = await api.scoredMember(`twin-${world.run}@browser.test`, PASSWORD, PROVIDER_KEY, 65);
    await api.waitFor('the second account to be offered the mug', async () => {
      const perks = await api.call<{ items: { campaignId: string }[] }>('GET', '/me/perks?limit=100', { token: twin.token });
      return perks.items.some((perk) => perk.campaignId === campaignId) ? true : undefined;
    });
    const claim = await api.call<{ id: string }>('POST', `/campaigns/${campaignId}/claims`, {
      token: twin.token,
      headers: { 'Idempotency-Key': `twin-${world.run}` },
      body: {
        acceptDisclosure: true,
        shippingAddress: { name: 'A. Lovelace', line1: '1 Analytical Street', city: 'Springfield', postalCode: '12345', country: 'US' },
      },
    });

    const adminToken = await world.token('admin');
    await api.waitFor('the abuse rules to hold the claim (GET /admin/claim-holds lists no hold for it)', async () => {
      const holds = await api.call<{ items: { claimId: string }[] }>('GET', '/admin/claim-holds?limit=100', { token: adminToken });
      return holds.items.some((hold) => hold.claimId === claim.id) ? true : undefined;
    }, 15_000);

    const page = await world.persona('admin');
    await page.goto('/#/admin/claims?view=held');
    const held = page.getByTestId('held-claim').filter({ hasText: claim.id.slice(-8) });
    await reloadUntil(page, held, 'the claim held for review');
    await see(page, held.getByText('The same shipping address was used by 1 other account on this campaign.'), 'the reason for the hold');
    await shot(page, 'admin-held-claims');
    await held.getByRole('button', { name: 'Release' }).click();
    await see(page, page.getByText(`Claim ${claim.id.slice(-8)} is released to fulfillment.`), 'the release confirmed');
    await page.getByRole('button', { name: 'Waiting to ship' }).click();
    const parcel = page.getByTestId('shipment').filter({ hasText: claim.id.slice(-8) });
    await reloadUntil(page, parcel.getByText('A. Lovelace'), 'the released claim waiting to ship with its address');
  },
};

export const fixFailedClaims: Journey = {
  name: 'admin fixes failed claims: retry after loading a code, and cancel',
  async run(world) {
    const brandToken = await world.token('brand');
    const adminToken = await world.token('admin');
    const { api } = world;
    // Two units, two codes; the supplier then withdraws both codes (outside the platform), so the two
    // claims that follow find the code pool empty and fail.
    const pool = await api.liveCampaign(
      brandToken,
      adminToken,
      {
        name: `Gift cards ${world.run}`,
        description: '',
        perk: { kind: 'digital_code', title: `A gift card ${world.run}`, unitCostCents: 100 },
        totalUnits: 2,
        perMemberLimit: 1,
        endsAt: new Date(Date.now() + 5 * 86_400_000).toISOString(),
        eligibility: { provider: 'klout', minScore: 10 },
      },
      [`GIFT-${world.run}-1`, `GIFT-${world.run}-2`],
    );
    const claimsOf = async (status: string) =>
      (await api.call<{ items: { id: string; status: string }[] }>('GET', `/admin/claims?campaignId=${pool.id}&status=${status}&limit=100`, { token: adminToken })).items;
    const claim = async (n: number) => {
      const member = await api.scoredMember(`crowd-${n}-${world.run}@browser.test`, PASSWORD, PROVIDER_KEY, 40 + n);
      await api.waitFor(`crowd member ${n} to be offered the gift card`, async () => {
        const perks = await api.call<{ items: { campaignId: string }[] }>('GET', '/me/perks?limit=100', { token: member.token });
        return perks.items.some((perk) => perk.campaignId === pool.id) ? true : undefined;
      });
      const created = await api.call<{ id: string }>('POST', `/campaigns/${pool.id}/claims`, {
        token: member.token,
        headers: { 'Idempotency-Key': `crowd-${n}-${world.run}` },
        body: { acceptDisclosure: true },
      });
      return created.id;
    };
    await world.sql(`DELETE FROM campaign_codes WHERE campaign_id = $1 AND claim_id IS NULL`, [pool.id]);
    const claims = [await claim(1), await claim(2)];
    await api.waitFor('two claims to fail on the empty code pool', async () => ((await claimsOf('failed')).length === 2 ? true : undefined));

    const page = await world.persona('admin');
    await visit(page, '/#/admin/claims');
    const failed = page.getByTestId('failed-claim').filter({ hasText: `campaign ${pool.id.slice(-8)}` });
    await reloadUntil(page, failed.nth(1), 'both failed claims in the dead-letter view');
    // Claims made within a minute share their ids' first digits (UUIDv7 starts with the time): each is labelled apart.
    for (const id of claims) await see(page, failed.filter({ hasText: id.slice(-8) }), `the failed claim labelled ${id.slice(-8)}`);
    await shot(page, 'admin-failed-claims');

    // Fix the cause (load a code), then retry one claim and cancel the other.
    await visit(page, `/#/campaigns/${pool.id}`);
    await page.getByLabel('Upload codes (CSV)').setInputFiles({ name: 'more.csv', mimeType: 'text/csv', buffer: Buffer.from(`GIFT-${world.run}-3\n`) });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await see(page, page.getByText('Added 1 codes; skipped 0 duplicates.'), 'the extra code loaded');
    await visit(page, '/#/admin/claims');
    await see(page, failed.nth(1), 'both failed claims again');
    await failed.first().getByRole('button', { name: 'Retry' }).click();
    await failed.nth(1).waitFor({ state: 'detached' });
    page.once('dialog', (dialog) => void dialog.accept());
    await failed.first().getByRole('button', { name: 'Cancel claim' }).click();
    await see(page, page.getByText('No failed claims'), 'the dead-letter view empty again');

    await api.waitFor('the retried claim fulfilled with the new code and the other cancelled', async () => {
      const all = [...(await claimsOf('fulfilled')), ...(await claimsOf('cancelled'))];
      const found = claims.map((id) => all.find((item) => item.id === id)?.status ?? 'missing').sort();
      return found.join() === 'cancelled,fulfilled' ? true : undefined;
    });
  },
};
