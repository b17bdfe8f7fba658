import { Api, inParallel } from './api';
import { Options } from './options';
import { login, Member, payCheckout, seconds, seedMembers, waitFor } from './platform';
import { dim, heading, ok, progress, say, yellow } from './ui';

const PASSWORD = 'demo-password-1234';
const COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR'];
const TOPICS = ['tech', 'gaming', 'travel', 'food'];

export interface PreparedCampaign {
  members: Member[];
  campaignId: string;
  brandToken: string;
  eligibleMembers: number;
}

/** The story up to launch: brand, members and scores, campaign, audience, codes, payment, approval. */
export async function prepareCampaign(api: Api, o: Options, run: string): Promise<PreparedCampaign> {
  heading('A brand signs up');
  const brandName = `Demo Coffee ${run}`;
  const brandEmail = `brand-${run}@demo.local`;
  const brand = await api.call<{ brandId: string }>('brand sign-up', 'POST', '/brands/register', {
    body: { brandName, email: brandEmail, password: PASSWORD },
    expect: [201],
  });
  const brandToken = await login(api, 'brand login', brandEmail, PASSWORD);
  ok(`"${brandName}" registered (brand ${brand.body.brandId.slice(0, 8)}…) and logged in`);

  heading(`${o.members.toLocaleString('en-US')} members join and opt in`);
  say(
    dim(
      'Each registers through the API (argon2 password hashing, so this is the slow part). The story calls for 100,000 members; ' +
        'the API has no bulk sign-up, so this run uses --members (default 2,000).',
    ),
  );
  const registerStarted = Date.now();
  const bar = progress('registering members', o.members);
  const members = await inParallel(
    Array.from({ length: o.members }, (_, i) => i),
    8,
    async (i) => {
      const email = `member-${run}-${i}@demo.local`;
      const reg = await api.call<{ id: string }>('member sign-up', 'POST', '/auth/register', {
        body: { email, password: PASSWORD, displayName: `Member ${i}` },
        expect: [201],
      });
      const token = await login(api, 'member login', email, PASSWORD);
      const country = COUNTRIES[i % COUNTRIES.length];
      const birthYear = 1970 + (i % 35);
      await api.call('member profile', 'PUT', '/me/profile', {
        token,
        body: { country, birthDate: `${birthYear}-0${1 + (i % 9)}-1${i % 10}`, optedIn: true },
        expect: [200],
      });
      return { id: reg.body.id, email, token, country } satisfies Member;
    },
    () => bar.tick(),
  );
  bar.stop();
  ok(
    `${members.length.toLocaleString('en-US')} members registered, logged in, opted in in ${seconds(registerStarted)} s ` +
      `(countries ${COUNTRIES.join(', ')})`,
  );

  heading(`The score provider "${o.provider}" sends influence scores`);
  const scoredAt = new Date().toISOString();
  let accepted = 0;
  const scoreBar = progress('ingesting scores', members.length);
  for (let i = 0; i < members.length; i += 10_000) {
    const chunk = members.slice(i, i + 10_000);
    const res = await api.call<{ accepted: number; rejected: unknown[] }>('score ingestion', 'POST', '/scores/batch', {
      headers: { 'x-provider-key': o.providerKey },
      body: {
        scoredAt,
        scores: chunk.map((m, j) => {
          const n = i + j;
          return {
            memberId: m.id,
            score: (n * 37) % 101,
            topics: [
              { topic: TOPICS[n % TOPICS.length], score: (n * 53) % 101 },
              { topic: TOPICS[(n + 1) % TOPICS.length], score: (n * 29) % 101 },
            ],
          };
        }),
      },
      expect: [202],
    });
    accepted += res.body.accepted;
    if (res.body.rejected.length) say(yellow(`${res.body.rejected.length} scores rejected: ${JSON.stringify(res.body.rejected.slice(0, 3))}`));
    scoreBar.tick(chunk.length);
  }
  scoreBar.stop();
  ok(`${accepted.toLocaleString('en-US')} scores accepted (POST /scores/batch, X-Provider-Key)`);
  if (o.seedMembers > 0) {
    say(`adding ${o.seedMembers.toLocaleString('en-US')} scored members with the dev-only seed (npm run seed:members) into DATABASE_URL`);
    await seedMembers(o.seedMembers);
    ok(`${o.seedMembers.toLocaleString('en-US')} more scored members in the platform's database`);
  } else {
    say(dim('for matching at scale, add --seed-members 100000 (dev-only: writes scored members straight into DATABASE_URL)'));
  }

  heading('The brand creates a digital-code campaign for its top-half members');
  const unitCostCents = 500;
  const eligibility = { provider: o.provider, minPercentile: 50, topics: ['tech', 'gaming'], minTopicScore: 20 };
  const created = await api.call<{ id: string; status: string; fundingRequiredCents: number }>('create campaign', 'POST', '/campaigns', {
    token: brandToken,
    body: {
      name: `Winter coffee ${run}`,
      description: 'A month of free coffee for the most influential tech and gaming voices',
      perk: { kind: 'digital_code', title: 'One month of free coffee', unitCostCents },
      totalUnits: o.units,
      perMemberLimit: 1,
      endsAt: new Date(Date.now() + 30 * 86400_000).toISOString(),
      eligibility,
    },
    expect: [201],
  });
  const campaignId = created.body.id;
  ok(`campaign ${campaignId.slice(0, 8)}… is ${created.body.status}: ${o.units} units × $${(unitCostCents / 100).toFixed(2)}, ` +
    `funding required $${(created.body.fundingRequiredCents / 100).toFixed(2)} (units + platform fee)`);
  say(dim(`eligibility: ${JSON.stringify(eligibility)} — top 50% of ${o.provider} scores, tech or gaming ≥ 20`));

  heading('Audience preview');
  const audience = await api.call<{ eligibleMembers: number; byCountry: Record<string, number>; byTopic: Record<string, number> }>(
    'audience', 'GET', `/campaigns/${campaignId}/audience`, { token: brandToken, expect: [200] },
  );
  ok(`${audience.body.eligibleMembers.toLocaleString('en-US')} members eligible right now (everyone on the platform, not only this run's)`);
  say(dim(`by country ${JSON.stringify(audience.body.byCountry)}, by topic ${JSON.stringify(audience.body.byTopic)}`));

  heading('The brand uploads its codes');
  const codes = Array.from({ length: o.units }, (_, i) => `COFFEE-${run.toUpperCase()}-${String(i).padStart(6, '0')}`);
  const csv = ['code', ...codes, codes[0], codes[1]].join('\n');
  const upload = await api.call<{ added: number; duplicates: number }>('code upload', 'POST', `/campaigns/${campaignId}/codes`, {
    token: brandToken,
    rawBody: csv,
    contentType: 'text/csv',
    expect: [201],
  });
  ok(`CSV upload: ${upload.body.added} codes added, ${upload.body.duplicates} duplicates counted and skipped`);

  heading('The brand pays through Stripe Checkout');
  const funding = await api.call<{ amountCents: number; checkoutUrl: string; stripeCheckoutSessionId: string }>('funding', 'POST', `/campaigns/${campaignId}/funding`, {
    token: brandToken,
    expect: [201],
  });
  say(`checkout session ${funding.body.stripeCheckoutSessionId} for $${(funding.body.amountCents / 100).toFixed(2)}: ${funding.body.checkoutUrl}`);
  await payCheckout(funding.body.checkoutUrl, funding.body.stripeCheckoutSessionId);
  await waitFor('funding', 'campaign funded by the signed checkout.session.completed webhook', 120_000, async () => {
    const c = await api.call<{ status: string }>('funding', 'GET', `/campaigns/${campaignId}`, { token: brandToken, expect: [200] });
    return c.body.status === 'funded';
  });
  ok('paid: the webhook marked the campaign funded');

  heading('An admin approves the campaign');
  const adminToken = await login(api, 'admin login', o.adminEmail, o.adminPassword);
  await api.call('approve', 'POST', `/admin/campaigns/${campaignId}/approve`, { token: adminToken, expect: [200, 201] });
  ok(`approved by ${o.adminEmail}`);
  return { members, campaignId, brandToken, eligibleMembers: audience.body.eligibleMembers };
}
