import type { Response } from 'playwright-core';
import { PROVIDER_KEY } from '../platform';
import { Journey, PASSWORD, reloadUntil, see, shot, visit } from '../world';

/** The member's journeys: on a phone-sized screen throughout. */

export const signUpAndCompleteProfile: Journey = {
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

    // A profile that fails to load shows the error, not a blank form that would save blanks over it.
    await page.route('**/me/profile', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: 'busy' }) }),
    );
    await visit(page, '/#/profile');
    await see(page, page.getByRole('button', { name: 'Try again' }), 'the profile load failure with "Try again"');
    if (await page.getByLabel('Country').isVisible()) throw new Error('the profile form shows although the profile could not be loaded');
    await page.unroute('**/me/profile');
    await page.getByRole('button', { name: 'Try again' }).click();
    await see(page, page.getByRole('button', { name: 'Save profile' }), 'the profile form once loaded');
    if ((await page.getByLabel('Country').inputValue()) !== 'US' || !(await page.getByLabel(/Show me perks/).isChecked())) throw new Error('the profile form does not show the stored profile');

    // The score provider (a machine, not a persona) reports Ada's influence.
    const me = await world.api.call<{ id: string }>('GET', '/me', { token: await world.token('member') });
    const batch = await world.api.call<{ accepted: number; rejected: unknown[] }>('POST', '/scores/batch', {
      headers: { 'X-Provider-Key': PROVIDER_KEY },
      body: { scoredAt: new Date().toISOString(), scores: [{ memberId: me.id, score: 72, topics: [{ topic: 'coffee', score: 80 }] }] },
    });
    if (batch.accepted !== 1) throw new Error(`score batch not accepted: ${JSON.stringify(batch)}`);
  },
};

export const claimDigitalPerk: Journey = {
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
};

export const claimPhysicalPerkAndWhyNot: Journey = {
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
};

export const renewAndEndSession: Journey = {
  name: "member's expired access token is renewed with the refresh token, in two tabs at once too, and logging out ends the session",
  async run(world) {
    const page = await world.persona('member');
    const stale = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJub2JvZHkifQ.invalid-signature';
    const expire = (token: string) => {
      const session = JSON.parse(localStorage.getItem('perks.session') ?? '{}') as { refreshToken?: string };
      localStorage.setItem('perks.session', JSON.stringify({ ...session, accessToken: token }));
    };

    // A server that is busy as the page loads (503) does not end the session: the console asks again.
    let busy = 1;
    await page.route('**/me', (route) =>
      busy-- > 0
        ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: 'busy' }) })
        : route.continue(),
    );
    await visit(page, '/#/claims');
    await see(page, page.getByTestId('claim').first(), 'my claims after a 503 while the page loaded');
    await page.unroute('**/me');

    // Two tabs find the token expired at the same moment: one renews it, the other takes the
    // renewed one (a second use of the rotated refresh token would end the session everywhere).
    // Each refresh is held until both tabs have sent theirs (or 1.5 s passed), so they overlap.
    const tab = await page.context().newPage();
    let sent = 0;
    let bothSent!: () => void;
    const overlap = new Promise<void>((resolve) => (bothSent = resolve));
    await page.context().route('**/auth/refresh', async (route) => {
      if (++sent === 2) bothSent();
      await Promise.race([overlap, new Promise((resolve) => setTimeout(resolve, 1500))]);
      await route.continue();
    });
    // From a page of the origin that runs no console (a console page polling meanwhile could start a
    // refresh that the navigation then cuts off after the server rotated the token).
    await page.goto('/docs');
    await page.evaluate(expire, stale);
    const refreshes: string[] = [];
    const noteRefresh = (response: Response) => void (response.url().endsWith('/auth/refresh') && refreshes.push(`${response.status()}`));
    page.context().on('response', noteRefresh);
    await Promise.all([page.goto('/?tab=1#/claims'), tab.goto('/?tab=2#/notifications')]);
    try {
      await see(page, page.getByTestId('claim').first(), 'my claims in the first tab, still logged in');
      await see(tab, tab.getByRole('heading', { name: 'Notifications' }), 'notifications in the second tab, still logged in');
    } catch (error) {
      throw new Error(`${(error as Error).message} (refreshes answered: ${refreshes.join(', ') || 'none'})`);
    } finally {
      page.context().off('response', noteRefresh);
    }
    await tab.close();
    await page.context().unroute('**/auth/refresh');
    await page.reload();
    await see(page, page.getByTestId('claim').first(), 'my claims after both tabs renewed');
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
    if (await page.getByText('Your session has ended').isVisible()) throw new Error('a logout was announced as a session the server ended');
    await world.api.call('POST', '/auth/refresh', { body: { refreshToken: after.refreshToken }, expect: 401 });
    await page.getByLabel('Email').fill(world.memberEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    // Back where the member was when the session ended.
    await page.waitForURL(/#\/claims$/);
    await see(page, page.getByTestId('claim').first(), 'my claims after logging in again');

    // A session the server no longer honours (both tokens refused) ends with a word on the login page.
    const kept = await page.evaluate(() => localStorage.getItem('perks.session'));
    await page.evaluate(() => localStorage.setItem('perks.session', JSON.stringify({ accessToken: 'expired.access.token', refreshToken: 'revoked-refresh-token' })));
    await page.reload();
    await see(page, page.getByText('Your session has ended. Please log in again'), 'the login page saying the session ended');
    await page.evaluate((session) => session && localStorage.setItem('perks.session', session), kept);
    await page.reload();
    await see(page, page.getByTestId('claim').first(), 'my claims with the session put back');

    // A login answered after the member went on to another page does not drag them back.
    await page.getByRole('button', { name: 'Log out' }).click();
    let answer!: () => void;
    const held = new Promise<void>((resolve) => (answer = resolve));
    await page.route('**/auth/login', async (route) => {
      await held;
      await route.continue();
    });
    await page.getByLabel('Email').fill(world.memberEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Create an account' }).click();
    await see(page, page.getByRole('heading', { name: 'Create an account' }), 'the signup page while the login is in flight');
    const answered = page.waitForResponse('**/auth/login');
    answer();
    await answered;
    await page.unroute('**/auth/login');
    await page.waitForTimeout(300);
    if (!page.url().endsWith('#/signup')) throw new Error(`the login's answer took the member from the signup page to ${page.url()}`);
  },
};

export const twoAccountsOneBrowser: Journey = {
  name: 'tabs follow the account: a logout in one tab logs the others out, a login as someone else reloads them, and nothing is sent as the wrong account',
  async run(world) {
    const page = await world.persona('member');
    await visit(page, '/#/claims');
    await see(page, page.getByTestId('claim').first(), 'my claims');
    const grace = { email: `grace-${world.run}@browser.test`, password: PASSWORD };
    await world.api.call('POST', '/auth/register', { body: { ...grace, displayName: 'Grace' } });
    const graceTokens = await world.api.call<object>('POST', '/auth/login', { body: grace });

    // Another account's session stored behind this tab's back (a write of its own, so no storage
    // event tells it): its next request is refused before it leaves, never sent as Grace.
    const kept = await page.evaluate((tokens) => {
      const own = localStorage.getItem('perks.session');
      localStorage.setItem('perks.session', JSON.stringify(tokens));
      return own;
    }, graceTokens);
    await page.getByRole('link', { name: 'Notifications' }).click();
    await see(page, page.getByText('You logged in to another account in another tab'), 'the request refused instead of sent as Grace');
    await page.evaluate((session) => session && localStorage.setItem('perks.session', session), kept);

    // A logout in another tab logs this one out.
    const tab = await page.context().newPage();
    await tab.goto('/#/claims');
    await see(tab, tab.getByTestId('claim').first(), 'my claims in a second tab');
    await tab.getByRole('button', { name: 'Log out' }).click();
    await see(page, page.getByRole('heading', { name: 'Log in' }), 'the first tab logged out with the second');

    // Grace logs in in the second tab, then Ada in the first: the second tab reloads as Ada.
    await tab.getByLabel('Email').fill(grace.email);
    await tab.getByLabel('Password').fill(grace.password);
    await tab.getByRole('button', { name: 'Log in' }).click();
    await see(tab, tab.locator('.who').getByText('Grace'), "Grace's name in the second tab");
    await page.getByLabel('Email').fill(world.memberEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await see(tab, tab.locator('.who').getByText('Ada'), 'the second tab following the login as Ada');
    await see(page, page.locator('.who').getByText('Ada'), 'the first tab as Ada');
    await tab.close();
  },
};

export const followClaimsAcrossPages: Journey = {
  name: "member's claims keep every page loaded while the page follows a pending claim",
  async run(world) {
    const page = await world.persona('member');
    // 25 claims, one still pending (so the page polls), served in pages of 20 as the API pages them.
    const claims = Array.from({ length: 25 }, (_, n) => ({
      id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
      campaignId: '00000000-0000-7000-8000-000000000000',
      perkTitle: `Listed perk ${n + 1}`,
      status: n === 0 ? 'pending' : 'cancelled',
      fulfillment: {},
      createdAt: new Date(Date.now() - n * 60_000).toISOString(),
      fulfilledAt: null,
    }));
    await page.route('**/me/claims?*', (route) => {
      const from = new URL(route.request().url()).searchParams.get('cursor') === 'page-2' ? 20 : 0;
      const body = { items: claims.slice(from, from + 20), nextCursor: from === 0 ? 'page-2' : null };
      return route.fulfill({ contentType: 'application/json', body: JSON.stringify(body) });
    });
    try {
      await visit(page, '/#/claims');
      await see(page, page.getByText('Listed perk 20', { exact: true }), 'the first page of claims');
      await page.getByRole('button', { name: 'Load more' }).click();
      await see(page, page.getByText('Listed perk 25', { exact: true }), 'the second page of claims');
      // The next poll (every 2.5 s) reads the claims again.
      await page.waitForRequest((request) => request.url().includes('/me/claims?') && !request.url().includes('cursor='), { timeout: 5000 });
      await page.waitForTimeout(500);
      const shown = await page.getByTestId('claim').count();
      if (shown !== 25) throw new Error(`${shown} claims shown after the page polled, not the 25 loaded`);
    } finally {
      await page.unroute('**/me/claims?*');
    }
  },
};
