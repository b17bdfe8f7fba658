import { randomUUID } from 'node:crypto';
import { Job, Queue, Worker } from 'bullmq';
import { jobIdFor, jobOptionsFor, QUEUES } from '@app/queue';
import { sourceMatches } from '../lib/features';
import { check, runPairs } from '../lib/pairs';
import { seedBrand, seedCampaigns, seedCodes, seedMembers } from '../lib/seed';
import { sleep } from '../lib/stats';
import { Benchmark, Sample } from '../lib/types';

const MEMBERS_TAG = 'm';
const CONCURRENCY = 100;

export const fulfill: Benchmark = {
  name: 'fulfill',
  title: 'digital-code fulfilments completed per second (code from the pool, claim updated, job done)',
  unit: 'fulfilments/s',
  goal: '≥ 0.7×',
  baselineLabel: `a bare BullMQ worker whose processor does nothing, concurrency ${CONCURRENCY}, same payload size`,

  async unavailableReason() {
    const processor = sourceMatches('apps/fulfillment-service/src', /@Processor\(\s*QUEUES\.fulfillment\.name/);
    const handler = sourceMatches('apps/fulfillment-service/src', /'fulfill-claim'\s*:/);
    return processor && handler ? null : 'the fulfill-claim processor has not landed in apps/fulfillment-service';
  },

  async run(ctx, result) {
    const jobs = ctx.quick ? 1_000 : 20_000;
    result.params = { jobs, concurrency: CONCURRENCY, payload: '{ claimId: uuid }' };
    await seedMembers(ctx.env, MEMBERS_TAG, jobs);
    const brand = await seedBrand(ctx.env, 'Bench Fulfill Brand');
    const connection = { url: ctx.env.redisUrl };
    const prefix = ctx.env.redisPrefix;
    // The platform's own producers add fulfillment jobs with these defaults (retries, retention).
    const queue = new Queue(QUEUES.fulfillment.name, { connection, prefix, defaultJobOptions: jobOptionsFor(QUEUES.fulfillment.name) });
    const baselineQueue = new Queue('bench-baseline-fulfill', { connection, prefix });
    await ctx.services.start(['fulfillment-service'], 'fulfill', { FULFILLMENT_CONCURRENCY: String(CONCURRENCY) });

    /** Adds `ids` as paused jobs, then resumes: the clock measures processing only. */
    const addPaused = async (target: Queue, ids: string[], name: string) => {
      await target.pause();
      for (let i = 0; i < ids.length; i += 1000) {
        await target.addBulk(ids.slice(i, i + 1000).map((claimId) => ({ name, data: { claimId }, opts: { jobId: jobIdFor('claim', claimId) } })));
      }
    };

    try {
      await runPairs(ctx, result, {
        baseline: async () => {
          await baselineQueue.obliterate({ force: true });
          const ids = Array.from({ length: jobs }, () => randomUUID());
          await addPaused(baselineQueue, ids, 'fulfill-claim');
          let done = 0;
          const worker = new Worker('bench-baseline-fulfill', async (_job: Job) => undefined, { connection, prefix, concurrency: CONCURRENCY, autorun: false });
          worker.on('completed', () => done++);
          const started = process.hrtime.bigint();
          await baselineQueue.resume();
          void worker.run();
          const deadline = Date.now() + 300_000;
          while (done < jobs && Date.now() < deadline) await sleep(10);
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          await worker.close();
          if (done < jobs) throw new Error(`bare worker completed ${done} of ${jobs} jobs in 300 s`);
          return { throughput: jobs / seconds, count: jobs, seconds } satisfies Sample;
        },
        project: async (pair) => {
          const [campaignId] = await seedCampaigns(ctx.env, [{ brandId: brand.brandId, name: `Fulfill ${pair + 1}`, kind: 'digital_code', totalUnits: jobs }]);
          await seedCodes(ctx.env, campaignId, jobs);
          const claims = await ctx.env.query<{ id: string }>(
            `WITH c AS (
               INSERT INTO claims (campaign_id, member_id, idempotency_key, country, disclosure_accepted_at)
               SELECT $1, md5($2 || ':' || g)::uuid, 'bench-fulfill-' || $4::int || '-' || g, 'US', now() FROM generate_series(1, $3::int) g
               RETURNING id)
             SELECT id FROM c`,
            [campaignId, MEMBERS_TAG, jobs, pair],
          );
          await ctx.env.query(`UPDATE campaigns SET claimed_units = $2 WHERE id = $1`, [campaignId, jobs]);
          await addPaused(queue, claims.map((c) => c.id), 'fulfill-claim');
          const started = process.hrtime.bigint();
          await queue.resume();
          // Done when the queue holds no job still to run (a job completes after its claim's
          // commit). Polling Redis, not a count over the claims: that count cost PostgreSQL as
          // much as a quarter of the work being measured. The claims are checked right after.
          const deadline = Date.now() + 300_000;
          while (Date.now() < deadline && (await unfinished(queue)) > 0) await sleep(20);
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const state = await ctx.env.one<{ fulfilled: number; failed: number }>(
            `SELECT count(*) FILTER (WHERE status = 'fulfilled')::int AS fulfilled, count(*) FILTER (WHERE status = 'failed')::int AS failed
             FROM claims WHERE campaign_id = $1`,
            [campaignId],
          );
          await verify(pair, campaignId, state);
          return { throughput: state.fulfilled / seconds, count: state.fulfilled, seconds } satisfies Sample;
        },
      });
    } finally {
      await queue.close();
      await baselineQueue.close();
    }

    async function unfinished(target: Queue): Promise<number> {
      const counts = await target.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children');
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    }

    async function verify(pair: number, campaignId: string, state: { fulfilled: number; failed: number }): Promise<void> {
      const label = `pair ${pair + 1}`;
      check(result, `${label}: every claim fulfilled`, state.fulfilled === jobs && state.failed === 0, `${state.fulfilled} fulfilled, ${state.failed} failed of ${jobs}`);
      const codes = await ctx.env.one<{ with_code: number; distinct_codes: number; assigned: number; matching: number }>(
        `SELECT (SELECT count(*)::int FROM claims WHERE campaign_id = $1 AND fulfillment ? 'code') AS with_code,
                (SELECT count(DISTINCT fulfillment->>'code')::int FROM claims WHERE campaign_id = $1 AND fulfillment ? 'code') AS distinct_codes,
                (SELECT count(*)::int FROM campaign_codes WHERE campaign_id = $1 AND claim_id IS NOT NULL) AS assigned,
                (SELECT count(*)::int FROM claims k JOIN campaign_codes cc ON cc.claim_id = k.id AND cc.code = k.fulfillment->>'code'
                 WHERE k.campaign_id = $1) AS matching`,
        [campaignId],
      );
      check(
        result,
        `${label}: no code given twice`,
        codes.with_code === codes.distinct_codes && codes.assigned === codes.with_code,
        `${codes.with_code} claims with a code, ${codes.distinct_codes} distinct codes, ${codes.assigned} pool codes assigned`,
      );
      check(result, `${label}: each claim's code is the pool code assigned to it`, codes.matching === codes.with_code, `${codes.matching} of ${codes.with_code} match`);
    }
  },
};
