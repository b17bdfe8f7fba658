import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Api, DemoError, inParallel, sleep } from './api';
import { bold, dim, green, heading, ok, progress, red, say, table, yellow } from './ui';

const USAGE = `npm run demo -- [--api URL] [--members N] [--units N] [--concurrency N]

A guided story against a running platform (start it first with \`npm start\`):
a brand signs up, creates and funds a digital-code campaign, an admin approves it, members
with scores are matched, they all claim at once, fulfillment hands out codes, the campaign
ends and the unused units are refunded.

  --api URL          the platform's API (default http://localhost:3000, or DEMO_API_URL)
  --members N        members to register through the API (default 2000)
  --units N          units in the campaign (default: 40% of the members, a little more than the
                     audience, so unused units are refunded at the end; fewer units than eligible
                     members shows SOLD_OUT refusals instead)
  --concurrency N    requests in flight during the claim rush (default 100)
  --seed-members N   also add N scored members straight into the platform's database with the
                     dev-only \`npm run seed:members\` (needs DATABASE_URL to be the platform's
                     database, as it is on a local \`npm start\`): matching then runs at that scale
  --provider-key K   score provider as provider:key (default klout:dev-klout-key)
  --admin-email E, --admin-password P   (default ADMIN_EMAIL / ADMIN_PASSWORD or the dev defaults)`;

interface Options {
  api: string;
  members: number;
  seedMembers: number;
  units: number;
  concurrency: number;
  provider: string;
  providerKey: string;
  adminEmail: string;
  adminPassword: string;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const members = Number(value('--members') ?? 2000);
  const [provider, providerKey] = (value('--provider-key') ?? 'klout:dev-klout-key').split(':');
  const options: Options = {
    api: (value('--api') ?? process.env.DEMO_API_URL ?? 'http://localhost:3000').replace(/\/$/, ''),
    members,
    seedMembers: Number(value('--seed-members') ?? 0),
    units: Number(value('--units') ?? Math.max(1, Math.ceil(members * 0.4))),
    concurrency: Number(value('--concurrency') ?? 100),
    provider,
    providerKey,
    adminEmail: value('--admin-email') ?? process.env.ADMIN_EMAIL ?? 'admin@perks.local',
    adminPassword: value('--admin-password') ?? process.env.ADMIN_PASSWORD ?? 'admin-password-change-me',
  };
  for (const [name, n] of [['--members', options.members], ['--units', options.units], ['--concurrency', options.concurrency]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new DemoError('options', `${name} must be a positive integer`);
  }
  if (!Number.isInteger(options.seedMembers) || options.seedMembers < 0) throw new DemoError('options', '--seed-members must be 0 or more');
  if (!providerKey) throw new DemoError('options', '--provider-key must look like provider:key');
  return options;
}

interface Member {
  id: string;
  email: string;
  token: string;
  country: string;
}

interface ClaimOutcome {
  member: Member;
  status: number;
  code?: string;
  claimId?: string;
  /** a double tap: the same Idempotency-Key again */
  replay?: boolean;
  /** a second claim with a new Idempotency-Key */
  again?: boolean;
}

const PASSWORD = 'demo-password-1234';
const COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR'];
const TOPICS = ['tech', 'gaming', 'travel', 'food'];

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const api = new Api(o.api);
  const run = randomBytes(3).toString('hex');
  const t0 = Date.now();
  process.stdout.write(`\n${bold('Perks Platform — guided demo')} ${dim(`(run ${run}, API ${o.api})`)}\n`);

  heading('Is the platform up?');
  await api.call('health', 'GET', '/health', { expect: [200] });
  ok(`${o.api}/health answers 200 (PostgreSQL and Redis reachable)`);

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

  heading('The brand launches; matching offers the perk to eligible members');
  const launched = await api.call<{ status: string }>('launch', 'POST', `/campaigns/${campaignId}/launch`, { token: brandToken, expect: [200, 201] });
  ok(`launched: status ${launched.body.status}`);
  const matchBar = progress('matching members', Math.max(1, audience.body.eligibleMembers));
  let stats = await campaignStats(api, campaignId, brandToken);
  await waitFor('matching', 'every eligible member offered the perk', 300_000, async () => {
    stats = await campaignStats(api, campaignId, brandToken);
    matchBar.set(Math.min(stats.offeredMembers, audience.body.eligibleMembers));
    return stats.offeredMembers >= audience.body.eligibleMembers;
  });
  matchBar.stop();
  ok(`${stats.offeredMembers.toLocaleString('en-US')} members offered the perk`);

  heading(`Claim rush: all ${members.length.toLocaleString('en-US')} members claim at once`);
  say(
    dim(
      `${o.concurrency} requests in flight; every 10th member taps twice (same Idempotency-Key), ` +
        'every 20th tries a second claim with a new key (the per-member limit is 1)',
    ),
  );
  const rushBar = progress('claiming', members.length);
  const rushStarted = Date.now();
  const outcomes = (
    await inParallel(
      members,
      o.concurrency,
      async (member, i) => {
        const key = `demo-${run}-${i}`;
        const tries = [await claim(api, campaignId, member, key)];
        if (i % 10 === 0) tries.push({ ...(await claim(api, campaignId, member, key)), replay: true });
        if (i % 20 === 5) tries.push({ ...(await claim(api, campaignId, member, `${key}-again`)), again: true });
        return tries;
      },
      () => rushBar.tick(),
    )
  ).flat();
  rushBar.stop();
  const rushSeconds = (Date.now() - rushStarted) / 1000;
  const firstTries = outcomes.filter((x) => !x.replay && !x.again);
  const acceptedClaims = firstTries.filter((x) => x.status === 201);
  const refusals = new Map<string, number>();
  for (const x of firstTries.filter((y) => y.status !== 201)) refusals.set(x.code ?? String(x.status), (refusals.get(x.code ?? String(x.status)) ?? 0) + 1);
  const replays = outcomes.filter((x) => x.replay);
  const replaysConsistent = replays.every((r) => {
    const original = firstTries.find((f) => f.member === r.member);
    return original?.status !== 201 || (r.status === 201 && r.claimId === original.claimId);
  });
  const seconds2 = outcomes.filter((x) => x.again && firstTries.find((f) => f.member === x.member)?.status === 201);
  const limitHeld = seconds2.every((x) => x.code === 'CLAIM_LIMIT_REACHED');
  ok(`${firstTries.length.toLocaleString('en-US')} claims decided in ${rushSeconds.toFixed(1)} s: ${acceptedClaims.length} accepted, ` +
    [...refusals].map(([code, n]) => `${n} ${code}`).join(', '));
  ok(`${replays.length} double taps: ${replaysConsistent ? 'each got its first answer back, nothing created twice' : red('a replay got a different answer')}`);
  ok(
    `${seconds2.length} second claims by members who already hold one: ` +
      (limitHeld ? 'all refused CLAIM_LIMIT_REACHED' : red('some were not refused CLAIM_LIMIT_REACHED')),
  );

  heading('Fulfillment hands out the codes');
  const fulfilBar = progress('fulfilling', Math.max(1, acceptedClaims.length));
  await waitFor('fulfillment', 'every accepted claim fulfilled', 300_000, async () => {
    stats = await campaignStats(api, campaignId, brandToken);
    fulfilBar.set(stats.fulfilledUnits + stats.failedUnits);
    return stats.fulfilledUnits + stats.failedUnits >= acceptedClaims.length;
  });
  fulfilBar.stop();
  const details = await inParallel(acceptedClaims, 20, async (x) => {
    const res = await api.call<{ status: string; createdAt: string; fulfilledAt: string | null; fulfillment: { code?: string } }>(
      'claim detail', 'GET', `/claims/${x.claimId}`, { token: x.member.token, expect: [200] },
    );
    return res.body;
  });
  const deliveredCodes = details.map((d) => d.fulfillment.code).filter((c): c is string => Boolean(c));
  const uniqueCodes = new Set(deliveredCodes).size === deliveredCodes.length;
  const latencies = details.filter((d) => d.fulfilledAt).map((d) => Date.parse(d.fulfilledAt as string) - Date.parse(d.createdAt));
  ok(`${stats.fulfilledUnits} fulfilled, ${stats.failedUnits} failed; ${deliveredCodes.length} codes delivered, ${uniqueCodes ? 'all different' : red('SOME TWICE')}`);
  if (details[0]?.fulfillment.code) say(dim(`e.g. ${acceptedClaims[0].member.email} got ${details[0].fulfillment.code}`));

  heading('The brand ends the campaign; unused units are refunded');
  await api.call('end', 'POST', `/campaigns/${campaignId}/end`, { token: brandToken, expect: [200, 201] });
  const unused = o.units - stats.claimedUnits;
  await waitFor('refund', 'the refund of the unused units recorded', 120_000, async () => {
    stats = await campaignStats(api, campaignId, brandToken);
    return unused === 0 || stats.refundedCents > 0;
  });
  const final = await api.call<{ status: string }>('campaign', 'GET', `/campaigns/${campaignId}`, { token: brandToken, expect: [200] });
  ok(
    `status ${final.body.status}; ${unused} unused units, $${(stats.refundedCents / 100).toFixed(2)} refunded through Stripe` +
      (unused === 0 ? ' (sold out: nothing to refund)' : ''),
  );

  heading('Summary');
  const oversold = Math.max(0, stats.claimedUnits - stats.totalUnits, acceptedClaims.length - o.units);
  const pct = (p: number) => percentile(latencies, p);
  table([
    ['campaign', `${campaignId} (${final.body.status})`],
    ['members (this run) / eligible / offered', `${members.length} / ${audience.body.eligibleMembers} / ${stats.offeredMembers}`],
    ['units', `${stats.totalUnits} total, ${stats.claimedUnits} claimed, ${stats.remainingUnits} left`],
    ['claims accepted', `${acceptedClaims.length}`],
    ...[...refusals].map(([code, n]) => [`claims refused: ${code}`, `${n}`] as [string, string]),
    ['double taps answered consistently', replaysConsistent ? green('yes') : red('NO')],
    ['second claims refused CLAIM_LIMIT_REACHED', limitHeld ? green(`${seconds2.length} of ${seconds2.length}`) : red('NO')],
    ['oversold', oversold === 0 ? green('0') : red(String(oversold))],
    ['codes unique', uniqueCodes ? green(`yes (${deliveredCodes.length})`) : red('NO')],
    ['fulfillment latency p50 / p99', latencies.length ? `${pct(50)} ms / ${pct(99)} ms` : 'n/a'],
    ['funded / refunded', `$${(stats.fundedCents / 100).toFixed(2)} / $${(stats.refundedCents / 100).toFixed(2)}`],
    ['demo took', `${seconds(t0)} s`],
  ]);
  if (oversold || !uniqueCodes || !replaysConsistent || !limitHeld) throw new DemoError('summary', 'an invariant did not hold (see the table)');
}

/** The dev-only bulk seed (set-based SQL into DATABASE_URL), with its own progress bar. */
function seedMembers(count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'seed:members', '--', String(count)], { stdio: 'inherit', cwd: join(__dirname, '..', '..') });
    child.on('error', (error) => reject(new DemoError('bulk members', `npm run seed:members could not start: ${error.message}`)));
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new DemoError('bulk members', `npm run seed:members exited ${code}`, 'Is DATABASE_URL the database of the platform the demo talks to?')),
    );
  });
}

async function login(api: Api, step: string, email: string, password: string): Promise<string> {
  const res = await api.call<{ accessToken: string }>(step, 'POST', '/auth/login', { body: { email, password }, expect: [200] });
  return res.body.accessToken;
}

async function claim(api: Api, campaignId: string, member: Member, key: string): Promise<ClaimOutcome> {
  const res = await api.call<{ id?: string; code?: string }>('claim', 'POST', `/campaigns/${campaignId}/claims`, {
    token: member.token,
    headers: { 'idempotency-key': key },
    body: { acceptDisclosure: true },
    expect: [201, 403, 409],
  });
  return { member, status: res.status, claimId: res.body.id, code: res.status === 201 ? undefined : res.body.code };
}

interface Stats {
  totalUnits: number;
  claimedUnits: number;
  fulfilledUnits: number;
  failedUnits: number;
  remainingUnits: number;
  offeredMembers: number;
  fundedCents: number;
  refundedCents: number;
}

async function campaignStats(api: Api, campaignId: string, token: string): Promise<Stats> {
  return (await api.call<Stats>('stats', 'GET', `/campaigns/${campaignId}/stats`, { token, expect: [200] })).body;
}

/**
 * Pays a checkout session. With the bundled fake Stripe server (no STRIPE_SECRET_KEY), its
 * test control pays the session and sends the signed webhook; with real Stripe, a person pays.
 */
async function payCheckout(checkoutUrl: string, sessionId: string): Promise<void> {
  const origin = new URL(checkoutUrl).origin;
  try {
    const res = await fetch(`${origin}/_fake/sessions/${encodeURIComponent(sessionId)}/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    if (res.ok) {
      ok('paid with the fake Stripe server\'s test card (it sends the signed checkout.session.completed event)');
      return;
    }
    say(yellow(`the checkout server did not accept the test payment (${res.status}): open the checkout URL above and pay there`));
  } catch {
    say(yellow('this is not the fake Stripe server: open the checkout URL above and pay there; waiting for the webhook'));
  }
}

async function waitFor(step: string, what: string, timeoutMs: number, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) {
      throw new DemoError(step, `timed out after ${timeoutMs / 1000} s waiting for: ${what}`, 'Are all services running (matching-service, fulfillment-service)? `npm start` starts them all.');
    }
    await sleep(300);
  }
}

function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(0);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

main().then(
  () => {
    process.stdout.write(`\n${green(bold('Demo complete.'))}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    if (error instanceof DemoError) {
      process.stderr.write(`\n${red(bold(`✘ demo stopped at "${error.step}"`))}: ${error.message}\n`);
      if (error.hint) process.stderr.write(`  ${error.hint}\n`);
    } else {
      process.stderr.write(`\n${red(bold('✘ demo failed'))}: ${(error as Error).stack ?? String(error)}\n`);
    }
    process.exit(1);
  },
);
