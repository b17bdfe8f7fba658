import { randomBytes } from 'node:crypto';
import { Api, DemoError, inParallel } from './api';
import { parseArgs } from './options';
import { campaignStats, claim, percentile, seconds, waitFor } from './platform';
import { prepareCampaign } from './prepare';
import { bold, dim, green, heading, ok, progress, red, say, table } from './ui';

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const api = new Api(o.api);
  const run = randomBytes(3).toString('hex');
  const t0 = Date.now();
  process.stdout.write(`\n${bold('Perks Platform — guided demo')} ${dim(`(run ${run}, API ${o.api})`)}\n`);

  heading('Is the platform up?');
  await api.call('health', 'GET', '/health', { expect: [200] });
  ok(`${o.api}/health answers 200 (PostgreSQL and Redis reachable)`);
  const { members, campaignId, brandToken, eligibleMembers } = await prepareCampaign(api, o, run);

  heading('The brand launches; matching offers the perk to eligible members');
  const launched = await api.call<{ status: string }>('launch', 'POST', `/campaigns/${campaignId}/launch`, { token: brandToken, expect: [200, 201] });
  ok(`launched: status ${launched.body.status}`);
  const matchBar = progress('matching members', Math.max(1, eligibleMembers));
  let stats = await campaignStats(api, campaignId, brandToken);
  await waitFor('matching', 'every eligible member offered the perk', 300_000, async () => {
    stats = await campaignStats(api, campaignId, brandToken);
    matchBar.set(Math.min(stats.offeredMembers, eligibleMembers));
    return stats.offeredMembers >= eligibleMembers;
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
    ['members (this run) / eligible / offered', `${members.length} / ${eligibleMembers} / ${stats.offeredMembers}`],
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
