import { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { getQueueToken } from '@nestjs/bullmq';
import { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { createWorkerContext, useIsolatedEnvironment } from '@app/testing';
import { DigitalCodeFulfiller } from '../src/fulfillment/digital-code.fulfiller';
import { FulfillmentModule } from '../src/fulfillment.module';
import { CarrierReply, CarrierStub } from './support/carrier-stub';
import { seedClaims, until } from './support/fulfillment-fixtures';

const FAST_RETRY = { backoff: { type: 'exponential', delay: 100 } } as const;

/** Retries with backoff, permanent failures, the dead-letter path and idempotent re-runs, in process. */
describe('fulfillment retries and failures (e2e)', () => {
  const script = new Map<string, (attempt: number) => CarrierReply>();
  let carrier: CarrierStub;
  let worker: INestApplicationContext;
  let db: DataSource;
  let queue: Queue;

  beforeAll(async () => {
    carrier = new CarrierStub((request, attempt) => script.get(request.body.claimId)?.(attempt) ?? 201);
    const url = await carrier.start();
    await useIsolatedEnvironment({
      SHIPPING_PROVIDER: 'webhook',
      SHIPPING_WEBHOOK_URL: url,
      SHIPPING_WEBHOOK_SECRET: 'carrier-secret',
      FULFILLMENT_SHUTDOWN_MS: '500',
    });
    worker = await createWorkerContext(FulfillmentModule);
    db = worker.get(getDataSourceToken());
    queue = worker.get(getQueueToken('fulfillment'), { strict: false });
  });
  afterAll(async () => {
    delete process.env.SHIPPING_PROVIDER;
    delete process.env.SHIPPING_WEBHOOK_URL;
    delete process.env.FULFILLMENT_SHUTDOWN_MS;
    await carrier.stop();
  });

  async function finished(jobId: string): Promise<Job> {
    return until(
      async () => (await queue.getJob(jobId)) as Job,
      (job) => Boolean(job?.finishedOn),
      20000,
      50,
    );
  }

  const claimRow = async (id: string) =>
    (await db.query(`SELECT status, failure_reason, fulfillment FROM claims WHERE id = $1`, [id]))[0] as {
      status: string;
      failure_reason: string | null;
      fulfillment: Record<string, string>;
    };

  it('retries a job that fails twice (carrier 503) and succeeds on the third attempt', async () => {
    const { claimIds: [id] } = await seedClaims(db, { kind: 'physical', claims: 1, viaOutbox: false });
    script.set(id, (attempt) => (attempt <= 2 ? 503 : 201));
    await queue.add('fulfill-claim', { claimId: id }, { jobId: `claim.${id}`, attempts: 3, ...FAST_RETRY });
    const job = await finished(`claim.${id}`);
    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(3);
    expect(job.returnvalue).toBe('shipment_requested');
    const [shipment] = await db.query(`SELECT status, external_id, address FROM shipments WHERE claim_id = $1`, [id]);
    expect(shipment).toEqual({ status: 'submitted', external_id: expect.stringMatching(/^carrier-/), address: null });
    expect((await claimRow(id)).status).toBe('pending');
    expect(carrier.requests.filter((r) => r.body.claimId === id)).toHaveLength(3);
  });

  it('fails a job permanently on a carrier refusal: no retry, claim failed, unit back, member notified, job kept', async () => {
    const { campaignId, claimIds: [id] } = await seedClaims(db, { kind: 'physical', claims: 1, viaOutbox: false });
    script.set(id, () => 422);
    await queue.add('fulfill-claim', { claimId: id }, { jobId: `claim.${id}`, attempts: 5, ...FAST_RETRY });
    const job = await finished(`claim.${id}`);
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect((await queue.getFailed()).map((j) => j.id)).toContain(`claim.${id}`);
    expect(await claimRow(id)).toMatchObject({ status: 'failed', failure_reason: expect.stringContaining('422') });
    const [{ claimed_units }] = await db.query(`SELECT claimed_units FROM campaigns WHERE id = $1`, [campaignId]);
    expect(claimed_units).toBe(0);
    const notes = await db.query(`SELECT kind, data FROM notifications WHERE data->>'claimId' = $1`, [id]);
    expect(notes).toEqual([{ kind: 'claim_failed', data: { claimId: id, campaignId, reason: 'fulfillment_failed' } }]);
    const [shipment] = await db.query(`SELECT status FROM shipments WHERE claim_id = $1`, [id]);
    expect(shipment.status).toBe('cancelled');
  });

  it('marks the claim failed after the last retryable attempt, once', async () => {
    const { campaignId, claimIds: [id] } = await seedClaims(db, { kind: 'physical', claims: 1, viaOutbox: false });
    script.set(id, () => 503);
    await queue.add('fulfill-claim', { claimId: id }, { jobId: `claim.${id}`, attempts: 2, ...FAST_RETRY });
    const job = await finished(`claim.${id}`);
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(2);
    expect((await claimRow(id)).status).toBe('failed');
    const [{ claimed_units }] = await db.query(`SELECT claimed_units FROM campaigns WHERE id = $1`, [campaignId]);
    expect(claimed_units).toBe(0);
  });

  it('fails a digital claim at once when the code pool is empty', async () => {
    const { claimIds: [id] } = await seedClaims(db, { kind: 'digital_code', claims: 1, codes: 0, viaOutbox: false });
    await queue.add('fulfill-claim', { claimId: id }, { jobId: `claim.${id}`, attempts: 5, ...FAST_RETRY });
    const job = await finished(`claim.${id}`);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/pool .* empty/);
    expect((await claimRow(id)).status).toBe('failed');
  });

  it('changes nothing when a finished job runs again', async () => {
    const { claimIds } = await seedClaims(db, { kind: 'digital_code', claims: 2, viaOutbox: false });
    const { claimIds: [invited] } = await seedClaims(db, { kind: 'experience', claims: 1, viaOutbox: false });
    for (const id of [...claimIds, invited]) await queue.add('fulfill-claim', { claimId: id }, { jobId: `claim.${id}` });
    await Promise.all([...claimIds, invited].map((id) => finished(`claim.${id}`)));
    const before = await Promise.all([...claimIds, invited].map(claimRow));
    expect(before.every((c) => c.status === 'fulfilled')).toBe(true);

    for (const id of [...claimIds, invited]) await queue.add('fulfill-claim', { claimId: id }, { jobId: `again.${id}` });
    const again = await Promise.all([...claimIds, invited].map((id) => finished(`again.${id}`)));
    expect(again.map((j) => j.returnvalue)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(await Promise.all([...claimIds, invited].map(claimRow))).toEqual(before);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM campaign_codes WHERE claim_id = ANY($1::uuid[])`, [claimIds]);
    expect(n).toBe(2);
  });

  it('gives no code to a claim cancelled while its code was being assigned: the cancel gave its unit back, so the pool keeps the code', async () => {
    const { claimIds: [id] } = await seedClaims(db, { kind: 'digital_code', claims: 1, viaOutbox: false });
    const admin = db.createQueryRunner();
    await admin.connect();
    await admin.startTransaction();
    await admin.query(`UPDATE claims SET status = 'cancelled', updated_at = now() WHERE id = $1`, [id]);
    // The batch meets the claim while the cancel is not committed yet, and waits for its row lock.
    const step = worker.get(DigitalCodeFulfiller, { strict: false }).step(id, 0);
    await until(
      async () => (await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))[0].n,
      (n: number) => n > 0,
      5000,
      20,
    );
    await admin.commitTransaction();
    await admin.release();
    expect(await step).toEqual({ step: 'skipped' });
    expect((await claimRow(id)).status).toBe('cancelled');
    // The old statement assigned the code from its snapshot (pending) and only the claim update saw the cancel.
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM campaign_codes WHERE claim_id = $1`, [id]);
    expect(n).toBe(0);
  });

  it('stops within the shutdown bound even with a job stuck at the carrier', async () => {
    const { claimIds: [id] } = await seedClaims(db, { kind: 'physical', claims: 1, viaOutbox: false });
    script.set(id, () => 'hang');
    await queue.add('fulfill-claim', { claimId: id }, { jobId: `claim.${id}` });
    await until(async () => carrier.requests.some((r) => r.body.claimId === id), Boolean, 10000, 20);
    const started = Date.now();
    await worker.close();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
