import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { QUEUES } from '@app/queue';
import { check, runPairs } from '../lib/pairs';
import { sleep } from '../lib/stats';
import { Benchmark, Sample } from '../lib/types';

/** The relay publishes in batches of this size; the baseline uses the same batches. */
const BATCH = 1000;
/** A queue no service in this benchmark consumes, so jobs stay put and can be counted. */
const TARGET = QUEUES.notifications;

export const enqueue: Benchmark = {
  name: 'enqueue',
  title: 'outbox rows relayed into BullMQ per second',
  unit: 'jobs/s',
  goal: '≥ 0.8×',
  baselineLabel: 'bare `Queue.addBulk` of the same jobs in batches of 1,000 from one client',

  async unavailableReason() {
    return null;
  },

  async run(ctx, result) {
    const rows = ctx.quick ? 5_000 : 50_000;
    result.params = { rows, batch: BATCH, queue: TARGET.name };
    const connection = { url: ctx.env.redisUrl };
    const queue = new Queue(TARGET.name, { connection, prefix: ctx.env.redisPrefix });
    const baselineQueue = new Queue('bench-baseline-enqueue', { connection, prefix: ctx.env.redisPrefix });
    const payload = { campaignId: randomUUID(), memberIds: [randomUUID()] };
    try {
      await ctx.services.start(['fulfillment-service'], 'enqueue');
      await runPairs(ctx, result, {
        baseline: async (pair) => {
          await baselineQueue.obliterate({ force: true });
          const started = process.hrtime.bigint();
          for (let offset = 0; offset < rows; offset += BATCH) {
            const size = Math.min(BATCH, rows - offset);
            await baselineQueue.addBulk(
              Array.from({ length: size }, (_, i) => ({ name: 'notify-offers', data: payload, opts: { jobId: `b${pair}-${offset + i}` } })),
            );
          }
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const counts = await baselineQueue.getJobCounts('wait');
          if (counts.wait !== rows) throw new Error(`baseline queue holds ${counts.wait} jobs, expected ${rows}`);
          return { throughput: rows / seconds, count: rows, seconds };
        },
        project: async (pair) => {
          await queue.obliterate({ force: true });
          const prefix = `enq-${pair}-`;
          const client = await ctx.env.pool.connect();
          let started: bigint;
          try {
            // One transaction, as a burst of committed business transactions would leave them.
            await client.query('BEGIN');
            await client.query(
              `INSERT INTO outbox (queue, job_name, job_id, payload)
               SELECT $1, 'notify-offers', $2 || g, $3::jsonb FROM generate_series(1, $4) g`,
              [TARGET.name, prefix, JSON.stringify(payload), rows],
            );
            await client.query(`SELECT pg_notify('outbox', '')`);
            await client.query('COMMIT');
            started = process.hrtime.bigint();
          } finally {
            client.release();
          }
          const deadline = Date.now() + 300_000;
          for (;;) {
            const { pending } = await ctx.env.one<{ pending: number }>(`SELECT count(*)::int AS pending FROM outbox WHERE published_at IS NULL`);
            if (pending === 0) break;
            if (Date.now() > deadline) throw new Error(`outbox still holds ${pending} unpublished rows after 300 s`);
            await sleep(10);
          }
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          await verify(pair, prefix);
          return { throughput: rows / seconds, count: rows, seconds } satisfies Sample;
        },
      });
    } finally {
      await queue.close();
      await baselineQueue.close();
    }

    async function verify(pair: number, prefix: string): Promise<void> {
      const counts = await queue.getJobCounts('wait', 'delayed', 'active', 'completed', 'failed');
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      check(result, `pair ${pair + 1}: every outbox row became exactly one job`, total === rows, `${total} jobs in BullMQ for ${rows} rows`);
      const sampleIds = [1, Math.ceil(rows / 2), rows].map((n) => `${prefix}${n}`);
      const found = await Promise.all(sampleIds.map((id) => queue.getJob(id)));
      check(
        result,
        `pair ${pair + 1}: jobs carry the outbox job ids`,
        found.every((job, i) => job?.id === sampleIds[i]),
        `looked up ${sampleIds.join(', ')}`,
      );
    }
  },
};
