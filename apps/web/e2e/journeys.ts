import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { Api } from './api';
import { DESKTOP, openPersona, Persona, PHONE } from './browser';
import { ADMIN, PROVIDER_KEY } from './platform';

export const SCREENSHOTS_DIR = join(__dirname, 'screenshots');
const PASSWORD = 'browser-test-password';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** What the journeys share: one platform, one browser per persona, and what earlier steps created. */
export class World {
  readonly run = randomBytes(3).toString('hex');
  readonly api: Api;
  personas = new Map<string, Persona>();
  memberEmail = `ada-${this.run}@browser.test`;
  brandEmail = `beans-${this.run}@browser.test`;
  campaignName = `Morning Beans ${this.run}`;
  perkTitle = `A free bag of beans ${this.run}`;
  campaignId?: string;
  physicalTitle = `A travel mug ${this.run}`;
  physicalCampaignId?: string;
  closedCampaignId?: string;

  constructor(readonly baseUrl: string) {
    this.api = new Api(baseUrl);
  }

  async persona(name: 'member' | 'brand' | 'admin'): Promise<Page> {
    let persona = this.personas.get(name);
    if (!persona) {
      // The member uses a phone-sized screen throughout; brands and admins a desktop.
      persona = await openPersona(this.baseUrl, name === 'member' ? PHONE : DESKTOP);
      this.personas.set(name, persona);
    }
    return persona.page;
  }

  need<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new Error(`cannot run: ${what} (an earlier journey step failed)`);
    return value;
  }

  async token(name: 'member' | 'brand' | 'admin'): Promise<string> {
    const page = await this.persona(name);
    const session = await page.evaluate(() => localStorage.getItem('perks.session'));
    return this.need(session ? (JSON.parse(session) as { accessToken: string }).accessToken : undefined, `the ${name} is not logged in`);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.personas.values()].map((persona) => persona.close()));
  }
}

/** Waits for something a person would see; on failure says what the page showed instead. */
export async function see(page: Page, locator: Locator, what: string, timeout = 15_000): Promise<void> {
  try {
    await locator.first().waitFor({ state: 'visible', timeout });
  } catch {
    throw new Error(`expected to see ${what}; ${await pageProblems(page)}`);
  }
}

async function pageProblems(page: Page): Promise<string> {
  const alerts = (await page.locator('[role=alert]').allInnerTexts().catch(() => [])).filter(Boolean);
  return alerts.length ? `the page at ${page.url()} says: "${alerts.join('" | "')}"` : `the page is at ${page.url()}`;
}

/** Saves a screenshot, and fails if the page is wider than the screen (it must not scroll sideways, even on a phone). */
async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}.png`), fullPage: true });
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  if (scrollWidth > innerWidth) throw new Error(`${name}: the page is ${scrollWidth}px wide on a ${innerWidth}px screen`);
}

/** Opens a console page afresh; a hash-only change of the same URL would keep stale data. */
async function visit(page: Page, path: string): Promise<void> {
  if (page.url().endsWith(path)) await page.reload();
  else await page.goto(path);
}

/** Reloads the page until `locator` shows up (for work the queues finish in the background). */
async function reloadUntil(page: Page, locator: Locator, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await locator.first().isVisible().catch(() => false)) return;
    await page.waitForTimeout(1500);
    if (await locator.first().isVisible().catch(() => false)) return;
    await page.reload();
    await page.waitForLoadState('networkidle').catch(() => undefined);
  }
  throw new Error(`expected to see ${what} within ${timeoutMs / 1000}s; ${await pageProblems(page)}`);
}

export interface Journey {
  name: string;
  run(world: World): Promise<void>;
}

export const JOURNEYS: Journey[] = [
  {
    name: 'member signs up on a phone and completes the profile',
    async run(world) {
      const page = await world.persona('member');
      await page.goto('/');
      await see(page, page.getByRole('heading', { name: 'Log in' }), 'the login page');
      await page.getByRole('link', { name: 'Create an account' }).click();
      await page.getByLabel('Your name').fill('Ada');
      await page.getByLabel('Email').fill(world.memberEmail);
      await page.getByLabel('Password').fill('short');
      await page.getByRole('button', { name: 'Create account' }).click();
      await see(page, page.getByText('Use at least 10 characters.'), 'the password rule explained');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(/#\/profile$/);
      await page.getByLabel('Country').fill('us');
      await page.getByLabel('Birth date').fill('1990-04-01');
      await page.getByLabel(/Show me perks/).check();
      await page.getByRole('button', { name: 'Save profile' }).click();
      await see(page, page.getByText('Profile saved.'), 'the profile saved');
      await shot(page, 'member-profile');

      // The score provider (a machine, not a persona) reports Ada's influence.
      const me = await world.api.call<{ id: string }>('GET', '/me', { token: await world.token('member') });
      const batch = await world.api.call<{ accepted: number; rejected: unknown[] }>('POST', '/scores/batch', {
        headers: { 'X-Provider-Key': PROVIDER_KEY },
        body: { scoredAt: new Date().toISOString(), scores: [{ memberId: me.id, score: 72, topics: [{ topic: 'coffee', score: 80 }] }] },
      });
      if (batch.accepted !== 1) throw new Error(`score batch not accepted: ${JSON.stringify(batch)}`);
    },
  },
  {
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
      await shot(page, 'brand-builder');
      // "Done" right after typing must not lose the change still waiting for its autosave.
      await page.getByLabel('Campaign name').fill(world.campaignName);
      await page.getByRole('button', { name: 'Done' }).click();
      await page.waitForURL(/#\/campaigns\/[0-9a-f-]{36}$/);
      await see(page, page.getByRole('heading', { name: world.campaignName, exact: true }), 'the final name saved by "Done"');
    },
  },
  {
    name: 'brand uploads codes and pays through Checkout, then is back on the campaign',
    async run(world) {
      const id = world.need(world.campaignId, 'no campaign was created');
      const page = await world.persona('brand');
      await visit(page, `/#/campaigns/${id}`);
      await page.getByLabel('Upload codes (CSV)').setInputFiles({
        name: 'codes.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(`code\nBEAN-${world.run}-1\nBEAN-${world.run}-2\nBEAN-${world.run}-3\nBEAN-${world.run}-3\n`),
      });
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      await see(page, page.getByText('Added 3 codes; skipped 1 duplicates.'), 'the upload result');
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
  },
  {
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
  },
  {
    name: 'admin adjusts the stock with an audit trail and reads the ledger',
    async run(world) {
      const id = world.need(world.campaignId, 'no campaign was created');
      const page = await world.persona('admin');
      await visit(page, `/#/campaigns/${id}`);
      await page.getByLabel('Change in units').fill('-1');
      await page.getByRole('button', { name: 'Apply' }).click();
      await see(page, page.getByText('Say why; it goes into the audit trail.'), 'a reason required for an adjustment');
      await page.getByLabel('Reason', { exact: true }).fill('One unit kept for the press');
      await page.getByRole('button', { name: 'Apply' }).click();
      await see(page, page.getByTestId('adjustment').filter({ hasText: 'One unit kept for the press' }), 'the adjustment in the audit trail');
      await see(page, page.getByTestId('inventory').getByText('2', { exact: true }), '2 units after the adjustment');
      await see(page, page.getByTestId('ledger-entry'), 'the payment in the ledger');
      await shot(page, 'admin-campaign');

      await page.getByRole('link', { name: 'Claims', exact: true }).click();
      await see(page, page.getByRole('heading', { name: 'Claims' }), 'the claims page');
      await see(page, page.getByText('No failed claims').or(page.getByTestId('failed-claim')), 'the failed claims list or its empty state');
      const queues = page.getByRole('link', { name: /queue dashboard/ });
      if ((await queues.getAttribute('href')) !== '/admin/queues') throw new Error('the queue dashboard link does not point at /admin/queues');
    },
  },
  {
    name: 'brand launches, pauses and resumes the campaign',
    async run(world) {
      const id = world.need(world.campaignId, 'no campaign was created');
      const page = await world.persona('brand');
      await visit(page, `/#/campaigns/${id}`);
      await see(page, page.getByText('Approved by our team.'), 'the approval');
      await page.getByRole('button', { name: 'Launch' }).click();
      await see(page, page.getByTestId('campaign-status').getByText('Live'), 'the campaign live');
      await page.getByRole('button', { name: 'Pause' }).click();
      await see(page, page.getByTestId('campaign-status').getByText('Paused'), 'the campaign paused');
      await page.getByRole('button', { name: 'Resume' }).click();
      await see(page, page.getByTestId('campaign-status').getByText('Live'), 'the campaign live again');
    },
  },
  {
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
  },
  {
    name: 'member finds the perk, checks why they qualify and claims it with the disclosure',
    async run(world) {
      world.need(world.campaignId, 'no campaign was created');
      const page = await world.persona('member');
      await visit(page, '/#/perks');
      const card = page.getByTestId('perk-card').filter({ hasText: world.perkTitle });
      await reloadUntil(page, card, 'the perk offered after matching');
      if ((await page.title()) !== 'Your perks · Perks') throw new Error(`the page title is "${await page.title()}"`);
      await card.getByRole('button', { name: 'Do I qualify?' }).click();
      await see(page, card.getByText('You qualify for this perk.'), 'the eligibility answer');
      await shot(page, 'member-perks');

      await card.getByRole('link', { name: 'Claim' }).click();
      await page.getByRole('button', { name: 'Claim this perk' }).click();
      await see(page, page.getByText('Tick the box to accept the disclosure terms.'), 'the disclosure required');
      await page.getByLabel(/FTC disclosure/).check();
      await page.getByRole('button', { name: 'Claim this perk' }).click();
      await page.waitForURL(/#\/claims$/);
      const claim = page.getByTestId('claim').filter({ hasText: world.perkTitle });
      await see(page, claim.getByTestId('claim-code').getByText(`BEAN-${world.run}-`), 'the code once fulfilled', 30_000);
      await shot(page, 'member-claims');

      await see(page, page.getByTestId('unread-count'), 'the unread notifications counted in the menu');
      await page.getByRole('link', { name: /^Notifications/ }).click();
      const notification = page.getByTestId('notification').first();
      await see(page, notification, 'a notification about the new perk');
      const markRead = notification.getByRole('button', { name: 'Mark as read' });
      await markRead.click();
      await markRead.waitFor({ state: 'detached' });
      const markAll = page.getByRole('button', { name: 'Mark all as read' });
      if (await markAll.isVisible()) {
        await markAll.click();
        await markAll.waitFor({ state: 'detached' });
      }
      await page.getByRole('link', { name: 'Perks', exact: true }).click();
      await page.getByTestId('unread-count').waitFor({ state: 'detached' });
    },
  },
  {
    name: 'member claims a physical perk with a checked address, and sees why another perk is out of reach',
    async run(world) {
      const brandToken = await world.token('brand');
      const adminToken = await world.token('admin');
      const endsAt = new Date(Date.now() + 10 * 86_400_000).toISOString();
      const base = { description: '', totalUnits: 2, perMemberLimit: 1, endsAt };
      const physical = await world.api.liveCampaign(brandToken, adminToken, {
        ...base,
        name: `Mugs ${world.run}`,
        perk: { kind: 'physical', title: world.physicalTitle, unitCostCents: 900 },
        eligibility: { provider: 'klout', minScore: 60 },
      });
      world.physicalCampaignId = physical.id;
      const closed = await world.api.liveCampaign(brandToken, adminToken, {
        ...base,
        name: `Canada only ${world.run}`,
        perk: { kind: 'experience', title: `A tasting in Montreal ${world.run}`, unitCostCents: 3000 },
        eligibility: { provider: 'klout', minScore: 90, countries: ['CA'] },
      });
      world.closedCampaignId = closed.id;

      const page = await world.persona('member');
      await visit(page, '/#/perks');
      const card = page.getByTestId('perk-card').filter({ hasText: world.physicalTitle });
      await reloadUntil(page, card, 'the physical perk offered after matching');
      await card.getByRole('link', { name: 'Claim' }).click();
      await page.getByLabel(/FTC disclosure/).check();
      await page.getByLabel('Country', { exact: true }).fill('U');
      await page.getByRole('button', { name: 'Claim this perk' }).click();
      for (const message of ['Enter the name of the person', 'Enter the street address.', 'Enter the city.', 'Enter the postal code.', 'Enter the two-letter country code']) {
        await see(page, page.getByText(message), `the address error "${message}"`);
      }
      await shot(page, 'member-address-errors');
      await page.getByLabel('Full name').fill('Ada Lovelace');
      await page.getByLabel('Address line 1').fill('1 Analytical Street');
      await page.getByLabel('City').fill('Springfield');
      await page.getByLabel('Postal code').fill('12345');
      await page.getByLabel('Country', { exact: true }).fill('us');
      await page.getByRole('button', { name: 'Claim this perk' }).click();
      await page.waitForURL(/#\/claims$/);
      await see(page, page.getByTestId('claim').filter({ hasText: world.physicalTitle }), 'the physical claim in my claims');

      await page.goto(`/#/perks/${closed.id}`);
      await see(page, page.getByText('You do not qualify for this perk yet'), 'the "why not" for a perk out of reach');
      await see(page, page.getByText(/this perk needs 90 or more/), 'the score reason');
      await see(page, page.getByText(/available in CA/), 'the country reason');
      await shot(page, 'member-why-not');
    },
  },
  {
    name: "member's expired access token is renewed with the refresh token, and logging out ends the session",
    async run(world) {
      const page = await world.persona('member');
      const stale = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJub2JvZHkifQ.invalid-signature';
      const before = await page.evaluate((token) => {
        const session = JSON.parse(localStorage.getItem('perks.session') ?? '{}') as { refreshToken?: string };
        localStorage.setItem('perks.session', JSON.stringify({ ...session, accessToken: token }));
        return session.refreshToken;
      }, stale);
      if (!before) throw new Error('login gave no refresh token');
      await visit(page, '/#/claims');
      await see(page, page.getByRole('heading', { name: 'My claims' }), 'my claims, still logged in');
      await see(page, page.getByTestId('claim').first(), 'my claims loaded with the renewed token');
      const after = await page.evaluate(() => JSON.parse(localStorage.getItem('perks.session') ?? '{}') as { accessToken?: string; refreshToken?: string });
      if (!after.accessToken || after.accessToken === stale || after.refreshToken === before) throw new Error('the tokens were not renewed');

      await page.getByRole('button', { name: 'Log out' }).click();
      await see(page, page.getByRole('heading', { name: 'Log in' }), 'the login page after logging out');
      await world.api.call('POST', '/auth/refresh', { body: { refreshToken: after.refreshToken }, expect: 401 });
      await page.getByLabel('Email').fill(world.memberEmail);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      // Back where the member was when the session ended.
      await page.waitForURL(/#\/claims$/);
      await see(page, page.getByTestId('claim').first(), 'my claims after logging in again');
    },
  },
  {
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
      await parcel.getByRole('button', { name: 'Mark shipped' }).click();
      await parcel.waitFor({ state: 'detached' });

      const member = await world.persona('member');
      await visit(member, '/#/claims');
      const claim = member.getByTestId('claim').filter({ hasText: world.physicalTitle });
      await reloadUntil(member, claim.getByText(`TRACK-${world.run}`), 'the tracking number on the claim');
    },
  },
  {
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
      const held = page.getByTestId('held-claim').filter({ hasText: claim.id.slice(0, 8) });
      await reloadUntil(page, held, 'the claim held for review');
      await see(page, held.getByText('The same shipping address was used by 1 other account on this campaign.'), 'the reason for the hold');
      await shot(page, 'admin-held-claims');
      await held.getByRole('button', { name: 'Release' }).click();
      await see(page, page.getByText(`Claim ${claim.id.slice(0, 8)} is released to fulfillment.`), 'the release confirmed');
      await page.getByRole('button', { name: 'Waiting to ship' }).click();
      const parcel = page.getByTestId('shipment').filter({ hasText: claim.id.slice(0, 8) });
      await reloadUntil(page, parcel.getByText('A. Lovelace'), 'the released claim waiting to ship with its address');
    },
  },
  {
    name: 'admin fixes failed claims: retry after loading a code, and cancel',
    async run(world) {
      const brandToken = await world.token('brand');
      const adminToken = await world.token('admin');
      const { api } = world;
      // Two units, two codes. Two claims are fulfilled, then cancelled by an admin (fraud, say): their units
      // return to stock but their codes stay given, so the next two claims find the code pool empty and fail.
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
      for (const n of [1, 2]) await claim(n);
      const fulfilled = await api.waitFor('the first two claims fulfilled', async () => {
        const items = await claimsOf('fulfilled');
        return items.length === 2 ? items : undefined;
      });
      for (const { id } of fulfilled) await api.call('POST', `/admin/claims/${id}/cancel`, { token: adminToken });
      const claims = [await claim(3), await claim(4)];
      await api.waitFor('two claims to fail on the empty code pool', async () => ((await claimsOf('failed')).length === 2 ? true : undefined));

      const page = await world.persona('admin');
      await visit(page, '/#/admin/claims');
      const failed = page.getByTestId('failed-claim').filter({ hasText: `campaign ${pool.id.slice(0, 8)}` });
      await reloadUntil(page, failed.nth(1), 'both failed claims in the dead-letter view');
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
  },
  {
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
    },
  },
  {
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
  },
];
