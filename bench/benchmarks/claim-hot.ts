import { claimRequest, claimsUnavailableReason, commitBatches, describeBatches, MemberTokens, parseBodies, refusalCodes, verifyClaims } from '../lib/claims';
import { LoadResult, runHttpLoad } from '../lib/http-load';
import { check, runPairs } from '../lib/pairs';
import { runPgbench } from '../lib/pgbench';
import { memberId, seedBrand, seedCampaigns, seedMembers, seedOffers } from '../lib/seed';
import { seededRandom } from '../lib/stats';
import { Benchmark, BenchContext, BenchResult, Sample } from '../lib/types';

const MEMBERS_TAG = 'm';
const DUPLICATE_SHARE = 0.2;

/**
 * Plans claim requests on one campaign: fresh members in order, and 20% duplicates of an
 * earlier request, half replaying its Idempotency-Key, half a new key from the same member.
 */
class HotPlan {
  private readonly member: number[] = [];
  private readonly key: string[] = [];
  private nextMember = 1;
  private readonly random: () => number;
  replays = new Map<number, number>();

  constructor(
    private readonly campaignId: string,
    private readonly tokens: MemberTokens,
    private readonly run: string,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  next(index: number) {
    let member: number;
    let key: string;
    if (index > 0 && this.random() < DUPLICATE_SHARE) {
      const earlier = Math.floor(this.random() * index);
      member = this.member[earlier];
      if (this.random() < 0.5) {
        key = this.key[earlier];
        this.replays.set(index, earlier);
      } else {
        key = `${this.run}-again-${index}`;
      }
    } else {
      member = this.nextMember++;
      key = `${this.run}-${member}`;
    }
    this.member[index] = member;
    this.key[index] = key;
    return claimRequest(this.campaignId, this.tokens.auth(memberId(MEMBERS_TAG, member)), key);
  }
}

export const claimHot: Benchmark = {
  name: 'claim-hot',
  title: 'HTTP claims on one hot perk (20% duplicates): claim decisions per second',
  unit: 'decisions/s',
  goal: '≥ 2× (stretch 3×)',
  baselineLabel: 'pgbench custom script `UPDATE stock SET n = n - 1 WHERE id = 1 AND n > 0`, same client count and duration',

  async unavailableReason() {
    return claimsUnavailableReason();
  },

  async run(ctx, result) {
    const p = ctx.quick
      ? { units: 100_000, connections: 16, seconds: 4, maxRequests: 4_000, soldOutUnits: 200 }
      : { units: 100_000, connections: 32, seconds: 15, maxRequests: 60_000, soldOutUnits: 1_000 };
    const members = Math.max(Math.ceil(p.maxRequests * 0.9) + p.connections * 2, p.soldOutUnits * 4);
    result.params = { ...p, members, duplicates: '20% (half idempotent replays, half new keys)' };

    ctx.log(`  seeding ${members.toLocaleString('en-US')} members with scores`);
    await seedMembers(ctx.env, MEMBERS_TAG, members);
    const brand = await seedBrand(ctx.env, 'Bench Hot Brand');
    await ctx.env.query(`CREATE TABLE IF NOT EXISTS stock (id int PRIMARY KEY, n int NOT NULL)`);
    await ctx.env.query(`INSERT INTO stock VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET n = EXCLUDED.n`, [p.units]);
    const tokens = new MemberTokens(ctx.env.jwtSecret);
    const services = await ctx.services.start(['campaign-service'], 'claim-hot');
    const url = services['campaign-service'].url;

    const newCampaign = async (name: string, units: number) => {
      const [id] = await seedCampaigns(ctx.env, [{ brandId: brand.brandId, name, kind: 'experience', totalUnits: units }]);
      await seedOffers(ctx.env, [id], MEMBERS_TAG, members);
      return id;
    };

    // Warm-up (JIT, pools, gate scripts) on its own campaign; not measured.
    const warmId = await newCampaign('Hot warm-up', p.units);
    const warm = new HotPlan(warmId, tokens, 'warm', 7);
    await runHttpLoad({ url, connections: p.connections, seconds: 2, maxRequests: 3_000, plan: (i) => warm.next(i) });

    await runPairs(ctx, result, {
      baseline: async () => {
        await ctx.env.query(`UPDATE stock SET n = $1 WHERE id = 1`, [p.units]);
        await ctx.env.query(`VACUUM stock`);
        return runPgbench(ctx.env, {
          clients: p.connections,
          seconds: p.seconds,
          script: 'UPDATE stock SET n = n - 1 WHERE id = 1 AND n > 0;',
          label: 'claim-hot',
        });
      },
      project: async (pair) => {
        const campaignId = await newCampaign(`Hot ${pair + 1}`, p.units);
        const plan = new HotPlan(campaignId, tokens, `hot${pair}`, 1000 + pair);
        const batchesBefore = await commitBatches(url);
        const load = await runHttpLoad({ url, connections: p.connections, seconds: p.seconds, maxRequests: p.maxRequests, plan: (i) => plan.next(i), keepBodiesFor: [201, 403, 409] });
        const batchNote = describeBatches(`pair ${pair + 1}`, batchesBefore, await commitBatches(url));
        if (batchNote) result.notes.push(batchNote);
        await verifyClaims(ctx.env, result, `pair ${pair + 1}`, [campaignId], load, [201, 409], p.connections);
        verifyReplays(result, `pair ${pair + 1}`, load, plan);
        const decisions = [...load.statuses].filter(([s]) => s === 201 || s === 409).reduce((n, [, c]) => n + c, 0);
        if (pair === 0) result.notes.push(`pair 1 refusals by code: ${JSON.stringify(refusalCodes(load))}`);
        return { throughput: decisions / load.seconds, count: decisions, seconds: load.seconds, p50Ms: load.p50Ms, p99Ms: load.p99Ms } satisfies Sample;
      },
    });

    await soldOutPhase(ctx, result, { url, tokens, connections: p.connections, units: p.soldOutUnits, newCampaign });
  },
};

/** Replayed Idempotency-Keys must return the first answer: the same claim id. */
function verifyReplays(result: BenchResult, label: string, load: LoadResult, plan: HotPlan): void {
  const idByRequest = new Map<number, string>();
  const bodies = parseBodies(load, 201);
  (load.bodyRequests.get(201) ?? []).forEach((request, i) => {
    const id = bodies[i]?.id;
    if (id) idByRequest.set(request, id);
  });
  let compared = 0;
  let different = 0;
  for (const [replay, original] of plan.replays) {
    const first = idByRequest.get(original);
    const again = idByRequest.get(replay);
    if (!first || !again) continue;
    compared++;
    if (first !== again) different++;
  }
  check(result, `${label}: idempotent replays return the first claim`, different === 0, `${compared} replays compared, ${different} got another claim id`);
}

/** More members than units on a small campaign: exactly `units` accepted, the rest SOLD_OUT. */
async function soldOutPhase(
  ctx: BenchContext,
  result: BenchResult,
  o: { url: string; tokens: MemberTokens; connections: number; units: number; newCampaign: (name: string, units: number) => Promise<string> },
): Promise<void> {
  const campaignId = await o.newCampaign('Hot sold out', o.units);
  const plan = new HotPlan(campaignId, o.tokens, 'soldout', 99);
  const requests = o.units * 3;
  ctx.log(`  sold-out run: ${requests.toLocaleString('en-US')} requests for ${o.units.toLocaleString('en-US')} units`);
  const load = await runHttpLoad({ url: o.url, connections: o.connections, seconds: 60, maxRequests: requests, plan: (i) => plan.next(i), keepBodiesFor: [201, 403, 409] });
  const { acceptedIds } = await verifyClaims(ctx.env, result, 'sold-out run', [campaignId], load, [201, 409], o.connections);
  verifyReplays(result, 'sold-out run', load, plan);
  const stock = await ctx.env.one<{ claimed: number; total: number; claims: number }>(
    `SELECT c.claimed_units AS claimed, c.total_units AS total,
            (SELECT count(*)::int FROM claims WHERE campaign_id = c.id AND status IN ('pending', 'fulfilled')) AS claims
     FROM campaigns c WHERE c.id = $1`,
    [campaignId],
  );
  const refusals = refusalCodes(load);
  check(
    result,
    'sold-out run: every unit claimed exactly once, none oversold',
    stock.claimed === stock.total && stock.claims === stock.total && acceptedIds.size === stock.total,
    `${stock.total} units, claimed_units ${stock.claimed}, ${stock.claims} claims, ${acceptedIds.size} distinct 201 claim ids`,
  );
  check(result, 'sold-out run: the rest were refused SOLD_OUT', (refusals.SOLD_OUT ?? 0) > 0, `refusals ${JSON.stringify(refusals)}`);
}
