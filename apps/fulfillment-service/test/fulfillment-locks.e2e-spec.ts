import { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { getQueueToken } from '@nestjs/bullmq';
import { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { createWorkerContext, TestApp } from '@app/testing';
import { createCampaignServiceApp } from '../../campaign-service/test/app';
import { FulfillmentModule } from '../src/fulfillment.module';
import { CarrierStub } from './support/carrier-stub';
import { seedClaims, until } from './support/fulfillment-fixtures';

const LOCK_MS = 1000;

/** FULFILLMENT_LOCK_MS below BullMQ's 30 s default: a job running longer than the lock keeps it. */
describe('fulfillment job locks (e2e)', () => {
  let carrier: CarrierStub;
  let api: TestApp;
  let worker: INestApplicationContext;
  let db: DataSource;
  let queue: Queue;

  beforeAll(async () => {
    // The carrier answers after three locks' time: the job must renew its lock meanwhile.
    carrier = new CarrierStub(() => new Promise((resolve) => setTimeout(() => resolve(201), 3 * LOCK_MS)));
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
    await worker.close();
    await api.close();
    await carrier.stop();
  });

  it('renews the lock of a job that runs longer than FULFILLMENT_LOCK_MS, so it runs once and is never taken for stalled', async () => {
    const { claimIds: [id] } = await seedClaims(db, { kind: 'physical', claims: 1, viaOutbox: false });
    await queue.add('fulfill-claim', { claimId: id }, { jobId: `claim.${id}`, attempts: 3 });
    const job = await until(async () => (await queue.getJob(`claim.${id}`)) as Job, (j) => Boolean(j?.finishedOn), 20000, 50);
    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(1);
    expect(job.stalledCounter).toBe(0);
    expect(carrier.requests).toHaveLength(1);
  });
});
