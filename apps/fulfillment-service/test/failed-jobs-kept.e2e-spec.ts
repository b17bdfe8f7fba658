import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { jobOptionsFor, QueueName, QUEUES, queueConnection } from '@app/queue';
import { ThrowawayRedis } from '@app/testing';

const DAY_MS = 86_400_000;

/**
 * Failed jobs are kept for inspection, though not for good where there is one per claim or member:
 * each holds its attempts' stack traces (~13 kB for a fulfillment job after 11 attempts), and a
 * Redis that only grows ends full (noeviction: every write refused).
 */
describe('failed jobs kept (e2e)', () => {
  let redis: ThrowawayRedis;
  let client: Redis;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    client = new Redis(redis.url);
  });

  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  /** Fails `first` for good, dates its failure `daysAgo` back, then fails `second`: which are still kept. */
  async function keptAfter(name: QueueName, daysAgo: number): Promise<string[]> {
    const prefix = `kept-${name}-${daysAgo}`;
    const connection = queueConnection(redis.url);
    const queue = new Queue(name, { connection, prefix, defaultJobOptions: { ...jobOptionsFor(name), attempts: 1 } });
    const worker = new Worker(name, () => Promise.reject(new Error('carrier refused')), { connection, prefix });
    const failed = (id: string) => new Promise<void>((resolve) => worker.on('failed', (job) => job?.id === id && resolve()));
    try {
      let done = failed('first');
      await queue.add('job', {}, { jobId: 'first' });
      await done;
      const at = Date.now() - daysAgo * DAY_MS;
      await client.zadd(`${prefix}:${name}:failed`, at, 'first');
      await client.hset(`${prefix}:${name}:first`, 'finishedOn', at);
      done = failed('second');
      await queue.add('job', {}, { jobId: 'second' });
      await done;
      return (await queue.getFailed()).map((job) => job.id as string).sort();
    } finally {
      await worker.close();
      await queue.close();
    }
  }

  it('a claim’s or a member’s failed job is kept 30 days, then removed as another one fails', async () => {
    for (const name of [QUEUES.fulfillment.name, QUEUES.matching.name, QUEUES.notifications.name]) {
      expect(await keptAfter(name, 29)).toEqual(['first', 'second']);
      expect(await keptAfter(name, 31)).toEqual(['second']);
    }
  });

  it('a failed start, end or refund of a campaign is kept for good, for an admin to act on', async () => {
    for (const name of [QUEUES.lifecycle.name, QUEUES.payments.name]) expect(await keptAfter(name, 365)).toEqual(['first', 'second']);
  });
});
