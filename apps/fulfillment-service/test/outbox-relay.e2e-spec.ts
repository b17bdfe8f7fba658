import { INestApplicationContext } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { Client } from 'pg';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { getDataSourceToken } from '@nestjs/typeorm';
import { getQueueToken } from '@nestjs/bullmq';
import { createTestApp, createWorkerContext, ThrowawayRedis } from '@app/testing';
import { enqueueInTransaction, jobIdFor, queueConnection } from '@app/queue';
import { FulfillmentModule } from '../src/fulfillment.module';
import { OutboxRelayService } from '../src/outbox/outbox-relay.service';
import { seedClaims } from './support/fulfillment-fixtures';

async function eventually(check: () => Promise<boolean>, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('outbox relay (e2e)', () => {
  let redis: ThrowawayRedis;
  let worker: INestApplicationContext;
  let dataSource: DataSource;
  let queue: Queue;
  let matchingQueue: Queue;
  let databaseUrl: string;
  let redisPrefix: string;

  const unpublished = async () =>
    Number((await dataSource.query(`SELECT count(*) AS n FROM outbox WHERE published_at IS NULL`))[0].n);

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    // The fulfillment app itself is the unit under test; createTestApp gives it an isolated DB.
    const t = await createTestApp(FulfillmentModule, { env: { REDIS_URL: redis.url } });
    worker = t.app;
    databaseUrl = t.databaseUrl;
    redisPrefix = t.redisPrefix;
    dataSource = worker.get(getDataSourceToken());
    queue = new Queue('notifications', { connection: queueConnection(redis.url), prefix: t.redisPrefix });
    queue.on('error', () => undefined);
    matchingQueue = new Queue('matching', { connection: queueConnection(redis.url), prefix: t.redisPrefix });
    matchingQueue.on('error', () => undefined);
  });

  afterAll(async () => {
    await queue.close();
    await matchingQueue.close();
    await worker.close();
    await redis.stop();
  });

  it('publishes committed rows once, with the business jobId', async () => {
    await dataSource.transaction((manager) =>
      enqueueInTransaction(manager, [
        { queue: 'notifications', name: 'notify-offers', data: { campaignId: 'c1', memberIds: ['m1'] }, jobId: jobIdFor('notify', 'c1', 1) },
        { queue: 'notifications', name: 'notify-offers', data: { campaignId: 'c1', memberIds: ['m2'] }, jobId: jobIdFor('notify', 'c1', 2) },
      ]),
    );
    await eventually(async () => (await unpublished()) === 0);
    expect((await queue.getJob(jobIdFor('notify', 'c1', 1)))?.data).toEqual({ campaignId: 'c1', memberIds: ['m1'] });
    // /metrics shows the queue's depth and the outbox backlog (no worker takes notifications here).
    const metrics = await register.metrics();
    expect(metrics).toMatch(/queue_jobs\{queue="notifications",state="waiting"\} [1-9]/);
    expect(metrics).toContain('queue_jobs{queue="fulfillment",state="failed"} 0');
    expect(metrics).toContain('outbox_unpublished_rows 0');

    // A row relayed twice (e.g. a relay crashed after BullMQ took it) is still one job.
    await dataSource.query(`UPDATE outbox SET published_at = NULL WHERE job_id = $1`, [jobIdFor('notify', 'c1', 1)]);
    await worker.get(OutboxRelayService).drain();
    expect(await queue.getJobCountByTypes('waiting', 'delayed', 'active', 'completed', 'failed')).toBe(2);
  });

  it('queues member re-matches behind a campaign launch: match-member jobs carry a priority, match-campaign none', async () => {
    await dataSource.transaction((manager) =>
      enqueueInTransaction(manager, [
        { queue: 'matching', name: 'match-member', data: { memberId: 'm-prio', provider: 'klout' }, jobId: jobIdFor('match-member', 'prio') },
        { queue: 'matching', name: 'match-campaign', data: { campaignId: 'c-prio' }, jobId: jobIdFor('match-campaign', 'prio') },
      ]),
    );
    await eventually(async () => (await unpublished()) === 0);
    expect((await matchingQueue.getJob(jobIdFor('match-member', 'prio')))?.opts.priority).toBe(10);
    expect((await matchingQueue.getJob(jobIdFor('match-campaign', 'prio')))?.opts.priority).toBeFalsy();
    // A worker takes the launch first, though the re-match was queued before it.
    const worker = new Worker('matching', null, { connection: queueConnection(redis.url), prefix: matchingQueue.opts.prefix, autorun: false });
    const first = await worker.getNextJob('prio-token');
    expect(first?.name).toBe('match-campaign');
    await worker.close();
  });

  it('retries a campaign start, end or refund for days and other jobs for minutes, with exponential backoff', async () => {
    const id = '00000000-0000-7000-8000-00000000a77e';
    await dataSource.transaction((manager) =>
      enqueueInTransaction(manager, [
        { queue: 'lifecycle', name: 'end-campaign', data: { campaignId: id }, jobId: jobIdFor('end-campaign', id) },
        { queue: 'payments', name: 'refund-campaign', data: { campaignId: id }, jobId: jobIdFor('refund-campaign', id) },
        { queue: 'matching', name: 'match-campaign', data: { campaignId: id }, jobId: jobIdFor('match-campaign', id) },
      ]),
    );
    await eventually(async () => (await unpublished()) === 0);
    const options = async (name: string, jobId: string) => {
      const other = new Queue(name, { connection: queueConnection(redis.url), prefix: queue.opts.prefix });
      const job = await other.getJob(jobId);
      await other.close();
      return { attempts: job?.opts.attempts, backoff: job?.opts.backoff };
    };
    const backoff = { type: 'exponential', delay: 1000 };
    expect(await options('campaign-lifecycle', jobIdFor('end-campaign', id))).toEqual({ attempts: 19, backoff });
    expect(await options('payments', jobIdFor('refund-campaign', id))).toEqual({ attempts: 19, backoff });
    expect(await options('matching', jobIdFor('match-campaign', id))).toEqual({ attempts: 11, backoff });
  });

  it('listens again after losing its LISTEN connection, however many reconnects fail first', async () => {
    const database = new URL(databaseUrl).pathname.slice(1);
    const admin = new Client({ connectionString: Object.assign(new URL(databaseUrl), { pathname: '/postgres' }).toString() });
    await admin.connect();
    const listeners = async () =>
      Number((await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND query = 'LISTEN outbox'`, [database])).rows[0].n);
    try {
      expect(await listeners()).toBe(1);
      await admin.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS false`);
      try {
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query = 'LISTEN outbox'`, [database]);
        await new Promise((resolve) => setTimeout(resolve, 3500)); // about three reconnects refused
      } finally {
        await admin.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS true`);
      }
      await eventually(async () => (await listeners()) === 1);
    } finally {
      await admin.end();
    }
  });

  it('never publishes a rolled-back transaction', async () => {
    await dataSource
      .transaction(async (manager) => {
        await enqueueInTransaction(manager, {
          queue: 'notifications',
          name: 'notify-offers',
          data: { campaignId: 'c2', memberIds: [] },
          jobId: jobIdFor('notify', 'c2'),
        });
        throw new Error('business rule refused');
      })
      .catch(() => undefined);
    await worker.get(OutboxRelayService).drain();
    expect(await queue.getJob(jobIdFor('notify', 'c2'))).toBeUndefined();
  });

  it('keeps rows while Redis is down and relays them when it returns', async () => {
    await redis.stop();
    await dataSource.transaction((manager) =>
      enqueueInTransaction(manager, {
        queue: 'notifications',
        name: 'notify-offers',
        data: { campaignId: 'c3', memberIds: ['m3'] },
        jobId: jobIdFor('notify', 'c3'),
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await unpublished()).toBe(1);
    // A scrape meanwhile answers at once with the backlog and without the queues Redis cannot count.
    const started = Date.now();
    const metrics = await register.metrics();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(metrics).toContain('outbox_unpublished_rows 1');
    expect(metrics).not.toMatch(/queue_jobs\{/);

    await redis.start();
    await eventually(async () => (await unpublished()) === 0, 20000);
    expect(await queue.getJob(jobIdFor('notify', 'c3'))).toBeDefined();
  }, 40000);

  it('marks a batch published only once BullMQ took it: a publish Redis refuses leaves the rows for the next drain', async () => {
    const relayQueue = worker.get<Queue>(getQueueToken('notifications'), { strict: false });
    const addBulk = jest.spyOn(relayQueue, 'addBulk').mockRejectedValueOnce(new Error("READONLY You can't write against a read only replica."));
    try {
      await dataSource.transaction((manager) =>
        enqueueInTransaction(manager, {
          queue: 'notifications',
          name: 'notify-offers',
          data: { campaignId: 'c10', memberIds: ['m10'] },
          jobId: jobIdFor('notify', 'c10'),
        }),
      );
      await eventually(async () => addBulk.mock.calls.length >= 2 && (await unpublished()) === 0);
    } finally {
      addBulk.mockRestore();
    }
    expect((await queue.getJob(jobIdFor('notify', 'c10')))?.data).toEqual({ campaignId: 'c10', memberIds: ['m10'] });
  });

  it('delays a job until its runAt', async () => {
    const runAt = new Date(Date.now() + 60_000);
    await dataSource.transaction((manager) =>
      enqueueInTransaction(manager, {
        queue: 'notifications',
        name: 'notify-offers',
        data: { campaignId: 'c4', memberIds: [] },
        jobId: jobIdFor('notify', 'c4'),
        runAt,
      }),
    );
    await eventually(async () => (await unpublished()) === 0);
    const job = await queue.getJob(jobIdFor('notify', 'c4'));
    expect(await job?.getState()).toBe('delayed');
  });

  it('relays recent and delayed rows again when Redis comes back without its data; old ones stay done', async () => {
    await dataSource.transaction((manager) =>
      enqueueInTransaction(manager, [
        { queue: 'notifications', name: 'notify-offers', data: { campaignId: 'c6', memberIds: [] }, jobId: jobIdFor('notify', 'c6', 'later'), runAt: new Date(Date.now() + 60_000) },
        { queue: 'notifications', name: 'notify-offers', data: { campaignId: 'c6', memberIds: ['m6'] }, jobId: jobIdFor('notify', 'c6', 'now') },
      ]),
    );
    await dataSource.query(
      `INSERT INTO outbox (queue, job_name, job_id, payload, run_at, created_at, published_at)
       VALUES ('notifications', 'notify-offers', $1, '{"campaignId": "c6"}', now() - interval '3 days', now() - interval '3 days', now() - interval '3 days')`,
      [jobIdFor('notify', 'c6', 'old')],
    );
    await eventually(async () => (await unpublished()) === 0);
    expect(await (await queue.getJob(jobIdFor('notify', 'c6', 'later')))?.getState()).toBe('delayed');

    // Restarted empty: every job is gone, the delayed one (a campaign's end, say) with the rest.
    await redis.stop();
    await redis.start();
    await eventually(async () => (await queue.getJob(jobIdFor('notify', 'c6', 'later'))) !== undefined, 20000);
    expect(await (await queue.getJob(jobIdFor('notify', 'c6', 'later')))?.getState()).toBe('delayed');
    expect((await queue.getJob(jobIdFor('notify', 'c6', 'now')))?.data).toEqual({ campaignId: 'c6', memberIds: ['m6'] });
    expect(await queue.getJob(jobIdFor('notify', 'c6', 'old'))).toBeUndefined();
    await eventually(async () => (await unpublished()) === 0);
  }, 40000);

  it("after a data loss relays each queue's rows within its retry horizon (days for refunds), and a claim's job only while the claim waits", async () => {
    const { claimIds: [waiting, done] } = await seedClaims(dataSource, { kind: 'digital_code', claims: 2, viaOutbox: false });
    await dataSource.query(`UPDATE claims SET status = 'fulfilled' WHERE id = $1`, [done]);
    const rows: [string, string, string, object, string][] = [
      ['refund', 'payments', 'refund-campaign', { campaignId: '00000000-0000-7000-8000-00000000dead' }, '2 days'],
      ['notify', 'notifications', 'notify-offers', { campaignId: 'c9' }, '2 days'],
      ['waiting', 'fulfillment', 'fulfill-claim', { claimId: waiting }, '1 hour'],
      ['done', 'fulfillment', 'fulfill-claim', { claimId: done }, '1 hour'],
    ];
    const ids: Record<string, string> = {};
    for (const [label, queueName, name, payload, age] of rows) {
      const [row] = await dataSource.query(
        `INSERT INTO outbox (queue, job_name, job_id, payload, run_at, created_at, published_at)
         VALUES ($1, $2, $3, $4, now() - $5::interval, now() - $5::interval, now() - $5::interval) RETURNING id`,
        [queueName, name, jobIdFor('horizon', label), payload, age],
      );
      ids[label] = row.id;
    }
    const lostAt = new Date();
    await redis.stop();
    await redis.start();
    const publishedSince = async (label: string) =>
      ((await dataSource.query(`SELECT published_at > $2 AS again FROM outbox WHERE id = $1`, [ids[label], lostAt])) as { again: boolean }[])[0].again;
    await eventually(async () => (await publishedSince('refund')) && (await unpublished()) === 0, 20000);
    expect(await publishedSince('waiting')).toBe(true);
    expect(await publishedSince('notify')).toBe(false);
    expect(await publishedSince('done')).toBe(false);
  }, 40000);

  it('prunes rows published and due past the retention (a week), a batch at a time; keeps the rest', async () => {
    const insert = (label: string, runAt: string, publishedAt: string | null) =>
      dataSource.query(
        `INSERT INTO outbox (queue, job_name, job_id, payload, run_at, published_at)
         VALUES ('notifications', 'notify-offers', $1, '{}', now() + $2::interval, now() + $3::interval) RETURNING id`,
        [jobIdFor('prune', label), runAt, publishedAt],
      );
    await insert('old', '-8 days', '-8 days');
    await insert('old-but-due-later', '+1 day', '-8 days');
    await insert('recent', '-2 days', '-2 days');
    // Never published (the relay was down that long, or Redis refused it): the job's only record.
    await insert('old-never-published', '-8 days', null);
    expect(await worker.get(OutboxRelayService).prune()).toBe(1);
    const left = await dataSource.query(`SELECT job_id FROM outbox WHERE job_id LIKE 'prune.%' ORDER BY job_id`);
    expect(left.map((r: { job_id: string }) => r.job_id)).toEqual([
      jobIdFor('prune', 'old-but-due-later'),
      jobIdFor('prune', 'old-never-published'),
      jobIdFor('prune', 'recent'),
    ]);
    // … and is relayed late rather than never.
    await eventually(async () => (await unpublished()) === 0);
  });

  it('splits a backlog over several batches, lanes and concurrent drains: every row becomes exactly one job in its queue', async () => {
    const notifications = Array.from({ length: 2300 }, (_, i) => i);
    const matches = Array.from({ length: 700 }, (_, i) => i);
    await dataSource.transaction((manager) =>
      enqueueInTransaction(manager, [
        ...notifications.map((i) => ({
          queue: 'notifications' as const,
          name: 'notify-offers' as const,
          data: { campaignId: 'c5', memberIds: [`m${i}`] },
          jobId: jobIdFor('notify', 'c5', i),
        })),
        ...matches.map((i) => ({ queue: 'matching' as const, name: 'match-member' as const, data: { memberId: `m${i}`, provider: 'klout' }, jobId: jobIdFor('match', i) })),
      ]),
    );
    const relayedTotal = async () => (await register.getSingleMetric('outbox_relayed_total')?.get())?.values[0]?.value ?? 0;
    const relayedBefore = await relayedTotal();
    const relay = worker.get(OutboxRelayService);
    await Promise.all([relay.drain(), relay.drain()]);
    await eventually(async () => (await unpublished()) === 0);
    // SKIP LOCKED hands each row to one lane only: the jobIds would hide a double publish, the counter does not.
    expect((await relayedTotal()) - relayedBefore).toBe(notifications.length + matches.length);

    const jobIds = async (q: Queue) => (await q.getJobs(['waiting', 'delayed', 'prioritized'], 0, -1)).map((job) => job.id);
    const relayedNotifications = (await jobIds(queue)).filter((id) => id?.startsWith('notify.c5.'));
    expect(new Set(relayedNotifications).size).toBe(notifications.length);
    expect((await jobIds(matchingQueue)).filter((id) => id?.startsWith('match.')).sort()).toEqual(matches.map((i) => jobIdFor('match', i)).sort());
    expect((await queue.getJob(jobIdFor('notify', 'c5', 1234)))?.data).toEqual({ campaignId: 'c5', memberIds: ['m1234'] });
    expect((await matchingQueue.getJob(jobIdFor('match', 42)))?.data).toEqual({ memberId: 'm42', provider: 'klout' });
  });

  describe('a Redis restored from an older snapshot (a backup, a replica promoted before it caught up, an RDB reloaded after a crash)', () => {
    const notify = (label: string, runAt?: Date) => ({
      queue: 'notifications' as const,
      name: 'notify-offers' as const,
      data: { campaignId: 'c11', memberIds: [label] },
      jobId: jobIdFor('notify', 'c11', label),
      runAt,
    });
    const publishedAt = async (jobId: string) =>
      ((await dataSource.query(`SELECT published_at FROM outbox WHERE job_id = $1`, [jobId])) as { published_at: Date }[])[0].published_at;
    const jobOf = (label: string) => queue.getJob(jobIdFor('notify', 'c11', label));
    /** Commits the rows in one transaction and waits until the relay published them and BullMQ holds the last. */
    const relayed = async (...rows: ReturnType<typeof notify>[]) => {
      await dataSource.transaction((manager) => enqueueInTransaction(manager, rows));
      const last = rows[rows.length - 1].data.memberIds[0];
      await eventually(async () => (await unpublished()) === 0 && (await jobOf(last)) !== undefined, 20000);
    };
    /** The services stop, `meanwhile` happens, and they start again `downMs` later. */
    const restartAfter = async (downMs: number, meanwhile: () => Promise<void>) => {
      await worker.close();
      await meanwhile();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      worker = await createWorkerContext(FulfillmentModule);
      dataSource = worker.get(getDataSourceToken());
    };
    /** A row published long before the snapshot, whose job the snapshot holds (or ran long ago). */
    const insertOld = (label: string) =>
      dataSource.query(
        `INSERT INTO outbox (queue, job_name, job_id, payload, run_at, created_at, published_at)
         VALUES ('notifications', 'notify-offers', $1, '{"campaignId": "c11"}', now() - interval '3 minutes', now() - interval '3 minutes', now() - interval '3 minutes')`,
        [jobIdFor('notify', 'c11', label)],
      );

    it('relays again, while running, the rows published since the snapshot (a delayed end among them); older ones stay done', async () => {
      // The relay has made its first check (which relays recent rows again into a Redis without its mark).
      const client = new Redis(redis.url);
      try {
        await eventually(async () => (await client.exists(`${redisPrefix}:outbox:redis-kept`)) === 1);
      } finally {
        client.disconnect();
      }
      await insertOld('old');
      await relayed(notify('before'));
      const snapshot = await redis.snapshot();
      await relayed(notify('later', new Date(Date.now() + 60_000)), notify('after'));
      const oldPublishedAt = await publishedAt(jobIdFor('notify', 'c11', 'old'));

      await redis.restore(snapshot);
      await eventually(async () => (await jobOf('later')) !== undefined, 20000);
      expect(await (await jobOf('later'))?.getState()).toBe('delayed');
      await eventually(async () => (await jobOf('after')) !== undefined);
      await eventually(async () => (await unpublished()) === 0);
      expect(await publishedAt(jobIdFor('notify', 'c11', 'old'))).toEqual(oldPublishedAt);
    }, 40000);

    it('relays them again when a batch reaches the restored Redis before the relay checks it (a second apart at most)', async () => {
      await relayed(notify('quick-before'));
      const snapshot = await redis.snapshot();
      await relayed(notify('quick-after', new Date(Date.now() + 60_000)));

      // Redis comes back from the snapshot less than a second after the relay last checked it, and
      // a row committed meanwhile is relayed before the next check: held off here until it was.
      const relay = worker.get(OutboxRelayService) as unknown as { recoverLostJobs(): Promise<void> };
      const check = jest.spyOn(relay, 'recoverLostJobs').mockResolvedValue(undefined);
      try {
        await redis.restore(snapshot);
        await relayed(notify('quick-meanwhile'));
      } finally {
        check.mockRestore();
      }
      await eventually(async () => (await jobOf('quick-after')) !== undefined, 10000);
      expect(await (await jobOf('quick-after'))?.getState()).toBe('delayed');
    }, 60000);

    it('relays them again once when the Redis now serving has a clock behind the one it replaced (a replica promoted)', async () => {
      await relayed(notify('skew'));
      const client = new Redis(redis.url);
      const mark = `${redisPrefix}:outbox:redis-kept`;
      try {
        // The primary's clock runs 10 s ahead of its replica's; the relay sees its marks (its check
        // runs every second or two, later on a busy machine: waited for, not slept on).
        const [seconds, micros] = await client.time();
        const ahead = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) + 10_000;
        await client.set(mark, String(ahead));
        const seen = (worker.get(OutboxRelayService) as unknown as { mark: { marked?: number } }).mark;
        await eventually(async () => (seen.marked ?? 0) >= ahead);
        const before = await publishedAt(jobIdFor('notify', 'c11', 'skew'));
        // The replica, 1.5 s behind on the primary's writes, takes over.
        await client.set(mark, String(ahead - 1500));
        await eventually(async () => (await publishedAt(jobIdFor('notify', 'c11', 'skew'))) > before && (await unpublished()) === 0);
        const again = await publishedAt(jobIdFor('notify', 'c11', 'skew'));
        // Its clock is far from the mark it kept: the checks meanwhile see that mark, not a restore.
        await new Promise((resolve) => setTimeout(resolve, 4000));
        expect(await publishedAt(jobIdFor('notify', 'c11', 'skew'))).toEqual(again);
      } finally {
        await client.del(mark);
        client.disconnect();
      }
      await eventually(async () => (await unpublished()) === 0);
    }, 60000);

    it('relays them again at boot when the services were down across the restore', async () => {
      await relayed(notify('boot-before'));
      const snapshot = await redis.snapshot();
      await relayed(notify('boot-later', new Date(Date.now() + 60_000)));
      // The services stop; Redis is restored; they start again once the snapshot's mark is no longer fresh.
      await restartAfter(6000, async () => {
        await redis.restore(snapshot);
        expect(await jobOf('boot-later')).toBeUndefined();
      });
      await eventually(async () => (await jobOf('boot-later')) !== undefined, 20000);
      expect(await (await jobOf('boot-later'))?.getState()).toBe('delayed');
    }, 60000);

    /** Moves the mark as a Redis clock that far ahead of PostgreSQL's would have set it. */
    const shiftMark = async (ms: number) => {
      const client = new Redis(redis.url);
      try {
        const mark = `${redisPrefix}:outbox:redis-kept`;
        await client.set(mark, String(Number(await client.get(mark)) + ms));
      } finally {
        client.disconnect();
      }
    };

    it("relays nothing again at boot after the services merely stopped, though Redis's clock runs behind PostgreSQL's", async () => {
      await relayed(notify('stop-last'));
      const published = await publishedAt(jobIdFor('notify', 'c11', 'stop-last'));
      await restartAfter(6000, () => shiftMark(-3000));
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(await publishedAt(jobIdFor('notify', 'c11', 'stop-last'))).toEqual(published);
    }, 60000);

    it("relays them again at boot when the services were down across the restore, though Redis's clock runs ahead of PostgreSQL's", async () => {
      await relayed(notify('ahead-before'));
      const snapshot = await redis.snapshot();
      await relayed(notify('ahead-later', new Date(Date.now() + 60_000)));
      await restartAfter(9000, async () => {
        await redis.restore(snapshot);
        await shiftMark(3000);
      });
      await eventually(async () => (await jobOf('ahead-later')) !== undefined, 20000);
    }, 60000);
  });
});
