import { Queue } from 'bullmq';
import { jobIdFor, QUEUES } from '@app/queue';
import { sourceMatches } from '../lib/features';
import { check, runPairs } from '../lib/pairs';
import { seedBrand, seedCampaigns, seedMembers } from '../lib/seed';
import { sleep } from '../lib/stats';
import { Benchmark, Sample } from '../lib/types';

const MEMBERS_TAG = 'm';

/** score + percentile + topics + country rules, as BENCHMARKS.md asks. */
const RULES = {
  provider: 'klout',
  minScore: 20,
  minPercentile: 50,
  topics: ['tech', 'travel'],
  minTopicScore: 30,
  countries: ['US', 'CA', 'GB', 'DE'],
};

/**
 * The same rules written by hand, independent of the platform's rule translation: the
 * ground truth the offers are compared with, and the baseline's INSERT … SELECT.
 * $1 = campaign id; the percentile threshold is the provider's stored 50th-percentile score.
 */
const GROUND_TRUTH_SELECT = `
  SELECT $1::uuid, s.member_id
  FROM member_scores s
  JOIN member_profiles p ON p.member_id = s.member_id
  WHERE p.opted_in
    AND s.provider = 'klout'
    AND s.score >= 20
    AND s.score >= (SELECT thresholds[51] FROM score_distributions WHERE provider = 'klout')
    AND ((s.topics->>'tech')::float8 >= 30 OR (s.topics->>'travel')::float8 >= 30)
    AND p.country::text IN ('US', 'CA', 'GB', 'DE')`;

export const matchBulk: Benchmark = {
  name: 'match-bulk',
  title: 'offers written per second when a campaign launches against the scored member base',
  unit: 'offers/s',
  goal: '≥ 0.8×',
  baselineLabel: 'one raw `INSERT … SELECT` writing the same offer rows into an identical table (same indexes and foreign keys)',

  async unavailableReason() {
    const processor = sourceMatches('apps/matching-service/src', /@Processor\(\s*QUEUES\.matching\.name/);
    const handler = sourceMatches('apps/matching-service/src', /'match-campaign'\s*:/);
    return processor && handler ? null : 'the match-campaign processor has not landed in apps/matching-service';
  },

  async run(ctx, result) {
    const members = ctx.quick ? 20_000 : 1_000_000;
    result.params = { members, rules: JSON.stringify(RULES) };
    ctx.log(`  seeding ${members.toLocaleString('en-US')} scored members (set-based SQL)`);
    const seedStarted = Date.now();
    await seedMembers(ctx.env, MEMBERS_TAG, members, { optOuts: true });
    await ctx.env.query('ANALYZE users, member_profiles, member_scores');
    result.notes.push(`seeding ${members.toLocaleString('en-US')} members took ${Math.round((Date.now() - seedStarted) / 1000)} s (not measured)`);
    const brand = await seedBrand(ctx.env, 'Bench Match Brand');
    await ctx.env.query(`CREATE TABLE offers_baseline (LIKE offers INCLUDING ALL)`);
    await ctx.env.query(
      `ALTER TABLE offers_baseline
         ADD FOREIGN KEY (campaign_id) REFERENCES campaigns(id),
         ADD FOREIGN KEY (member_id) REFERENCES users(id)`,
    );
    const queue = new Queue(QUEUES.matching.name, { connection: { url: ctx.env.redisUrl }, prefix: ctx.env.redisPrefix });
    await ctx.services.start(['matching-service'], 'match-bulk');
    const baselineCampaigns: string[] = [];

    try {
      await runPairs(ctx, result, {
        baseline: async (pair) => {
          const [campaignId] = await seedCampaigns(ctx.env, [{ brandId: brand.brandId, name: `Match baseline ${pair + 1}`, totalUnits: 100, status: 'draft', eligibility: RULES }]);
          baselineCampaigns[pair] = campaignId;
          const started = process.hrtime.bigint();
          const inserted = await ctx.env.pool.query(`INSERT INTO offers_baseline (campaign_id, member_id) ${GROUND_TRUTH_SELECT}`, [campaignId]);
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const rows = inserted.rowCount ?? 0;
          return { throughput: rows / seconds, count: rows, seconds } satisfies Sample;
        },
        project: async (pair) => {
          const [campaignId] = await seedCampaigns(ctx.env, [{ brandId: brand.brandId, name: `Match ${pair + 1}`, totalUnits: 100, eligibility: RULES }]);
          const jobId = jobIdFor('match-campaign', campaignId);
          const started = process.hrtime.bigint();
          await queue.add('match-campaign', { campaignId }, { jobId });
          const deadline = Date.now() + 600_000;
          for (;;) {
            const job = await queue.getJob(jobId);
            const state = job ? await job.getState() : 'missing';
            if (state === 'completed') break;
            if (state === 'failed') throw new Error(`match-campaign failed: ${job?.failedReason}`);
            if (Date.now() > deadline) throw new Error(`match-campaign still ${state} after 600 s`);
            await sleep(50);
          }
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const { offers } = await ctx.env.one<{ offers: number }>(`SELECT count(*)::int AS offers FROM offers WHERE campaign_id = $1`, [campaignId]);
          await verify(pair, campaignId, offers);
          return { throughput: offers / seconds, count: offers, seconds } satisfies Sample;
        },
      });
    } finally {
      await queue.close();
    }

    async function verify(pair: number, campaignId: string, offers: number): Promise<void> {
      const diff = await ctx.env.one<{ missing: number; extra: number; truth: number }>(
        `SELECT (SELECT count(*)::int FROM (SELECT member_id FROM offers_baseline WHERE campaign_id = $2
                                            EXCEPT SELECT member_id FROM offers WHERE campaign_id = $1) x) AS missing,
                (SELECT count(*)::int FROM (SELECT member_id FROM offers WHERE campaign_id = $1
                                            EXCEPT SELECT member_id FROM offers_baseline WHERE campaign_id = $2) x) AS extra,
                (SELECT count(*)::int FROM offers_baseline WHERE campaign_id = $2) AS truth`,
        [campaignId, baselineCampaigns[pair]],
      );
      check(
        result,
        `pair ${pair + 1}: offers equal the SQL ground truth`,
        diff.missing === 0 && diff.extra === 0 && diff.truth > 0,
        `${offers} offers, ground truth ${diff.truth}; ${diff.missing} missing, ${diff.extra} not eligible`,
      );
    }
  },
};
