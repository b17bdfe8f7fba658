import { claimRequest, claimsUnavailableReason, commitBatches, describeBatches, MemberTokens, verifyClaims } from '../lib/claims';
import { countStatus, describeStatuses, runHttpLoad } from '../lib/http-load';
import { runPairs } from '../lib/pairs';
import { initPgbench, runPgbench } from '../lib/pgbench';
import { memberId, seedBrand, seedCampaigns, seedMembers } from '../lib/seed';
import { Benchmark, Sample } from '../lib/types';

const MEMBERS_TAG = 'm';
/** member m's j-th claim goes to campaign (m × STRIDE + j) mod campaigns: spread, never twice */
const STRIDE = 37;

export const claimSpread: Benchmark = {
  name: 'claim-spread',
  title: 'HTTP claims accepted per second across many live perks, each durable before its 201',
  unit: 'claims/s',
  goal: '≥ 1.0× (stretch 1.5×)',
  baselineLabel: '`pgbench -b simple-update` (scale 1), same client count and duration',

  async unavailableReason() {
    return claimsUnavailableReason();
  },

  async run(ctx, result) {
    const p = ctx.quick
      ? { campaigns: 100, connections: 16, seconds: 4, maxRequests: 3_000, members: 2_000 }
      : { campaigns: 1_000, connections: 32, seconds: 15, maxRequests: 60_000, members: 20_000 };
    // The first `campaigns` plan entries warm each campaign up (one claim each) before the clock starts.
    const perMember = Math.ceil((p.maxRequests + p.campaigns) / p.members) + 1;
    const units = Math.ceil((p.maxRequests * 2) / p.campaigns);
    result.params = { ...p, unitsPerCampaign: units };

    ctx.log(`  seeding ${p.members.toLocaleString('en-US')} members and pgbench tables`);
    await seedMembers(ctx.env, MEMBERS_TAG, p.members);
    await initPgbench(ctx.env);
    const brand = await seedBrand(ctx.env, 'Bench Spread Brand');
    const tokens = new MemberTokens(ctx.env.jwtSecret);
    const services = await ctx.services.start(['campaign-service'], 'claim-spread');
    const url = services['campaign-service'].url;

    /** A fresh set of live campaigns (the previous set ended), with offers for the planned pairs. */
    const liveCampaigns = async (label: string): Promise<string[]> => {
      await ctx.env.query(`UPDATE campaigns SET status = 'ended', ended_at = now() WHERE brand_id = $1 AND status = 'active'`, [brand.brandId]);
      const ids = await seedCampaigns(
        ctx.env,
        Array.from({ length: p.campaigns }, (_, i) => ({ brandId: brand.brandId, name: `Spread ${label} #${i + 1}`, kind: 'experience' as const, totalUnits: units })),
      );
      await ctx.env.query(
        `INSERT INTO offers (campaign_id, member_id)
         SELECT ($3::uuid[])[1 + ((g * ${STRIDE} + j) % $4::int)], md5($1 || ':' || g)::uuid
         FROM generate_series(1, $2::int) g, generate_series(0, $5::int - 1) j ON CONFLICT DO NOTHING`,
        [MEMBERS_TAG, p.members, ids, p.campaigns, perMember],
      );
      return ids;
    };
    const plan = (ids: string[], run: string, offset = 0) => (i: number) => {
      const k = i + offset;
      const member = (k % p.members) + 1;
      const j = Math.floor(k / p.members) % perMember;
      return claimRequest(ids[(member * STRIDE + j) % ids.length], tokens.auth(memberId(MEMBERS_TAG, member)), `${run}-${k}`);
    };

    /**
     * Live campaigns are warm in steady state (claim gate loaded, rows cached): one claim on
     * each campaign before the measured run keeps first-use loading out of the numbers.
     */
    const warmUp = async (ids: string[], run: string) => {
      const warm = await runHttpLoad({ url, connections: p.connections, seconds: 120, maxRequests: p.campaigns, plan: plan(ids, `${run}-warm`) });
      if (countStatus(warm, 201) !== p.campaigns) throw new Error(`warm-up claims were not all accepted: ${describeStatuses(warm)}`);
    };
    await warmUp(await liveCampaigns('warm-up'), 'warm');

    await runPairs(ctx, result, {
      baseline: () => runPgbench(ctx.env, { clients: p.connections, seconds: p.seconds, builtin: 'simple-update', label: 'claim-spread' }),
      project: async (pair) => {
        const ids = await liveCampaigns(`${pair + 1}`);
        await warmUp(ids, `spread${pair}`);
        const batchesBefore = await commitBatches(url);
        const load = await runHttpLoad({
          url,
          connections: p.connections,
          seconds: p.seconds,
          maxRequests: p.maxRequests,
          plan: plan(ids, `spread${pair}`, p.campaigns),
          keepBodiesFor: [201, 403, 409],
        });
        const batchNote = describeBatches(`pair ${pair + 1}`, batchesBefore, await commitBatches(url));
        if (batchNote) result.notes.push(batchNote);
        await verifyClaims(ctx.env, result, `pair ${pair + 1}`, ids, load, [201], p.connections, p.campaigns);
        const accepted = countStatus(load, 201);
        return { throughput: accepted / load.seconds, count: accepted, seconds: load.seconds, p50Ms: load.p50Ms, p99Ms: load.p99Ms } satisfies Sample;
      },
    });
  },
};
