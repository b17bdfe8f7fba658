import { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { getQueueToken } from '@nestjs/bullmq';
import { Job, Queue } from 'bullmq';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { claimGateKeys } from '@app/queue';
import { createWorkerContext, TestApp } from '@app/testing';
import { createCampaignServiceApp } from '../../campaign-service/test/app';
import { FulfillmentModule } from '../src/fulfillment.module';
import { CarrierStub } from './support/carrier-stub';
import { KEPT, seedClaims, until } from './support/fulfillment-fixtures';

const LOCK_MS = 1000;

/**
 * Jobs that outlive their lock or the worker's shutdown signal: FULFILLMENT_LOCK_MS below BullMQ's
 * 30 s default, and SIGTERM's drain (the worker's Redis clients stay until it is done).
 */
describe('fulfillment job locks and shutdown (e2e)', () => {
  const replies = new Map<string, number>();
  let carrier: CarrierStub;
  let api: TestApp;
  let worker: INestApplicationContext;
  let db: DataSource;
  let queue: Queue;

  beforeAll(async () => {
    // The carrier answers after three locks' time: the job must renew its lock meanwhile.
    carrier = new CarrierStub((request) => new Promise((resolve) => setTimeout(() => resolve(replies.get(request.body.claimId) ?? 201), 3 * LOCK_MS)));
    const url = await carrier.start();
    api = await createCampaignServiceApp({
      env: { SHIPPING_PROVIDER: 'webhook', SHIPPING_WEBHOOK_URL: url, SHIPPING_WEBHOOK_SECRET: 'carrier-secret', FULFILLMENT_LOCK_MS: String(LOCK_MS) },
    });
    worker = await createWorkerContext(FulfillmentModule);
    db = worker.get(getDataSourceToken());
    queue = worker.get(getQueueToken('fulfillment'), { strict: false });
  });
  afterAll(async () => {
    for (const name of ['SHIPPING_PROVIDER', 'SHIPPING_WEBHOOK_URL', 'SHIPPING_WEBHOOK_SECRET', 'FULFILLMENT_LOCK_MS']) delete process.env[name];
    await worker.close(); // again after the shutdown test: a no-op
    await api.close();
    await carrier.stop();
  });

  it('renews the lock of a job that runs longer than FULFILLMENT_LOCK_MS, so it runs once and is never taken for stalled', async () => {
    const { claimIds: [id] } = await seedClaims(db, { kind: 'physical', claims: 1, viaOutbox: false });
    await queue.add('fulfill-claim', { claimId: id }, { ...KEPT, jobId: `claim.${id}`, attempts: 3 });
    const job = await until(async () => (await queue.getJob(`claim.${id}`)) as Job, (j) => Boolean(j?.finishedOn), 20000, 50);
    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(1);
    expect(job.stalledCounter).toBe(0);
    expect(carrier.requests).toHaveLength(1);
  });

  it('gives a unit back to the claim gate when a job running at shutdown fails it: Redis is closed only after the drain', async () => {
    const { campaignId, claimIds: [id] } = await seedClaims(db, { kind: 'physical', claims: 1, viaOutbox: false });
    const [{ member_id: memberId }] = await db.query(`SELECT member_id FROM claims WHERE id = $1`, [id]);
    const gate = claimGateKeys(api.redisPrefix, campaignId);
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      await redis.hset(gate.state, { claimed: 1, total: 1 });
      await redis.hset(gate.members, memberId, 1);
      replies.set(id, 422); // the carrier refuses the parcel for good, after the signal
      await queue.add('fulfill-claim', { claimId: id }, { ...KEPT, jobId: `claim.${id}`, attempts: 1 });
      await until(async () => carrier.requests.some((r) => r.body.claimId === id), Boolean, 10000, 20);
      await worker.close();
      expect((await api.dataSource.query(`SELECT status FROM claims WHERE id = $1`, [id]))[0].status).toBe('failed');
      expect(await redis.hget(gate.state, 'claimed')).toBe('0');
      expect(await redis.hget(gate.members, memberId)).toBe('0');
    } finally {
      await redis.unlink(gate.state, gate.members);
      redis.disconnect();
    }
  });
});
