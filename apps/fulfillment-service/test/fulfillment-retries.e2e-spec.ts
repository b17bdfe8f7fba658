import { createHmac } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { getQueueToken } from '@nestjs/bullmq';
import { Job, Queue } from 'bullmq';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { Actor, createWorkerContext, loginAdmin, TestApp, waitForLockWaiter } from '@app/testing';
import { createCampaignServiceApp } from '../../campaign-service/test/app';
import { DigitalCodeFulfiller } from '../src/fulfillment/digital-code.fulfiller';
import { PendingClaimsSweeper } from '../src/fulfillment/pending-claims-sweeper.service';
import { PrivacyService } from '../../campaign-service/src/members/privacy.service';
import { FulfillmentModule } from '../src/fulfillment.module';
import { CarrierReply, CarrierStub } from './support/carrier-stub';
import { KEPT, seedClaims, until } from './support/fulfillment-fixtures';

const FAST_RETRY = { backoff: { type: 'exponential', delay: 100 } } as const;
const CARRIER_SECRET = 'carrier-secret';

/** Retries with backoff, permanent failures, the dead-letter path and idempotent re-runs, in process. */
describe('fulfillment retries and failures (e2e)', () => {
  const script = new Map<string, (attempt: number) => CarrierReply>();
  let carrier: CarrierStub;
  let worker: INestApplicationContext;
  let db: DataSource;
  let queue: Queue;
  /** the campaign-service on the same database and Redis: admin retries, the carrier's webhook */
  let api: TestApp;
  let admin: Actor;

  beforeAll(async () => {
    carrier = new CarrierStub((request, attempt) => script.get(request.body.claimId)?.(attempt) ?? 201);
    const url = await carrier.start();
    api = await createCampaignServiceApp({
      env: { SHIPPING_PROVIDER: 'webhook', SHIPPING_WEBHOOK_URL: url, SHIPPING_WEBHOOK_SECRET: CARRIER_SECRET, FULFILLMENT_SHUTDOWN_MS: '500' },
    });
    worker = await createWorkerContext(FulfillmentModule);
    db = worker.get(getDataSourceToken());
    queue = worker.get(getQueueToken('fulfillment'), { strict: false });
    admin = await loginAdmin(api.http);
  });
  afterAll(async () => {
    delete process.env.SHIPPING_PROVIDER;
    delete process.env.SHIPPING_WEBHOOK_URL;
    delete process.env.FULFILLMENT_SHUTDOWN_MS;
    await api.close();
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
    await queue.add('fulfill-claim', { claimId: id }, { ...KEPT, jobId: `claim.${id}`, attempts: 3, ...FAST_RETRY });
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
    await queue.add('fulfill-claim', { claimId: id }, { ...KEPT, jobId: `claim.${id}`, attempts: 5, ...FAST_RETRY });
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

  it('erasing the member removes a carrier refusal that quoted the address: from the claim, the admin view, the failed job and its events', async () => {
    const { claimIds: [id] } = await seedClaims(db, { kind: 'physical', claims: 1, viaOutbox: false });
    const { claimIds: [cancelled] } = await seedClaims(db, { kind: 'physical', claims: 1, viaOutbox: false });
    // seedClaims' member ids are the claim ids: the second claim becomes the first member's too
    await db.query(`UPDATE claims SET member_id = $1, idempotency_key = 'k2' WHERE id = $2`, [id, cancelled]);
    for (const claimId of [id, cancelled]) {
      script.set(claimId, () => ({ status: 422, body: { error: 'address not deliverable: Ada L, 1 Main St, 12345 Springfield' } }));
      await queue.add('fulfill-claim', { claimId }, { ...KEPT, jobId: `claim.${claimId}`, attempts: 5, ...FAST_RETRY });
      expect(await (await finished(`claim.${claimId}`)).getState()).toBe('failed');
    }
    expect((await claimRow(id)).failure_reason).toContain('1 Main St');
    // A failed claim cancelled by an admin: its job stays failed, with the same text.
    await api.http.post(`/admin/claims/${cancelled}/cancel`).set('Authorization', admin.auth).expect(200);
    const redis = (await queue.getBackend().client) as unknown as Redis;
    const eventsQuoting = async () => JSON.stringify(await redis.xrange(queue.keys.events, '-', '+')).includes('1 Main St');
    expect(await eventsQuoting()).toBe(true);

    await api.app.get(PrivacyService, { strict: false }).erase(id);
    for (const claimId of [id, cancelled]) {
      expect(JSON.stringify(await claimRow(claimId))).not.toMatch(/Main St|Springfield|Ada/);
      expect(await queue.getJob(`claim.${claimId}`)).toBeUndefined();
    }
    const failed = await api.http.get('/admin/claims?status=failed').set('Authorization', admin.auth).expect(200);
    expect(failed.body.items.find((c: { id: string }) => c.id === id)).toMatchObject({ failureReason: expect.not.stringContaining('Main St') });
    expect(await eventsQuoting()).toBe(false);
  });

  it('requests the shipment again when an admin retries a claim the carrier refused, and ships it', async () => {
    const { campaignId, claimIds: [id] } = await seedClaims(db, { kind: 'physical', claims: 1, viaOutbox: false });
    script.set(id, (attempt) => (attempt === 1 ? 400 : 201));
    await queue.add('fulfill-claim', { claimId: id }, { ...KEPT, jobId: `claim.${id}`, attempts: 5, ...FAST_RETRY });
    expect(await (await finished(`claim.${id}`)).getState()).toBe('failed');
    expect((await claimRow(id)).status).toBe('failed');
    const shipmentOf = async () =>
      (await db.query(`SELECT id, status, address, external_id FROM shipments WHERE claim_id = $1`, [id]))[0] as {
        id: string;
        status: string;
        address: Record<string, string> | null;
        external_id: string | null;
      };
    const cancelled = await shipmentOf();
    expect(cancelled).toMatchObject({ status: 'cancelled', address: expect.objectContaining({ line1: '1 Main St' }) });

    const retried = await api.http.post(`/admin/claims/${id}/retry`).set('Authorization', admin.auth).expect(200);
    expect(retried.body).toMatchObject({ status: 'pending', fulfillmentRound: 1 });
    // Round 1 (jobId claim.<id>.r1, through the outbox) sends the same shipment to the carrier again.
    const submitted = await until(shipmentOf, (row) => row.status === 'submitted', 20000, 50);
    expect(submitted).toEqual({ id: cancelled.id, status: 'submitted', address: null, external_id: `carrier-${cancelled.id}` });
    const sent = carrier.requests.filter((r) => r.body.claimId === id);
    expect(sent).toHaveLength(2);
    expect(sent[1].body.address).toEqual(cancelled.address);
    expect((await claimRow(id)).status).toBe('pending');

    const body = JSON.stringify({ shipmentId: cancelled.id, status: 'shipped', trackingNumber: 'TRK-RETRY', carrier: 'ups' });
    const signature = `sha256=${createHmac('sha256', CARRIER_SECRET).update(body).digest('hex')}`;
    await api.http.post('/shipping/webhook').set('Content-Type', 'application/json').set('X-Shipping-Signature', signature).send(body).expect(200);
    expect(await claimRow(id)).toMatchObject({ status: 'fulfilled', fulfillment: { trackingNumber: 'TRK-RETRY' } });
    const [{ claimed_units }] = await db.query(`SELECT claimed_units FROM campaigns WHERE id = $1`, [campaignId]);
    expect(claimed_units).toBe(1);
  });

  it('re-adds the lost job of a retried physical claim whose shipment is still cancelled', async () => {
    const { claimIds: [id] } = await seedClaims(db, { kind: 'physical', claims: 1, viaOutbox: false });
    script.set(id, (attempt) => (attempt === 1 ? 400 : 201));
    await queue.add('fulfill-claim', { claimId: id }, { ...KEPT, jobId: `claim.${id}`, attempts: 1 });
    await finished(`claim.${id}`);
    expect((await claimRow(id)).status).toBe('failed');
    // As an admin retry leaves it, with round 1's job lost by Redis before it ran (and idle for a while).
    await db.query(
      `UPDATE claims SET status = 'pending', failure_reason = NULL, fulfillment_round = 1, updated_at = now() - interval '1 hour' WHERE id = $1`,
      [id],
    );
    await db.query(`UPDATE campaigns SET claimed_units = claimed_units + 1 WHERE id = (SELECT campaign_id FROM claims WHERE id = $1)`, [id]);
    expect(await worker.get(PendingClaimsSweeper, { strict: false }).sweep()).toBeGreaterThanOrEqual(1);
    // The sweep's job is the platform's own, removed once completed: its effect is the shipment.
    const shipmentStatus = async () => ((await db.query(`SELECT status FROM shipments WHERE claim_id = $1`, [id])) as { status: string }[])[0]?.status;
    expect(await until(shipmentStatus, (status) => status === 'submitted', 20000, 50)).toBe('submitted');
  });

  it('marks the claim failed after the last retryable attempt, once', async () => {
    const { campaignId, claimIds: [id] } = await seedClaims(db, { kind: 'physical', claims: 1, viaOutbox: false });
    script.set(id, () => 503);
    await queue.add('fulfill-claim', { claimId: id }, { ...KEPT, jobId: `claim.${id}`, attempts: 2, ...FAST_RETRY });
    const job = await finished(`claim.${id}`);
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(2);
    expect((await claimRow(id)).status).toBe('failed');
    const [{ claimed_units }] = await db.query(`SELECT claimed_units FROM campaigns WHERE id = $1`, [campaignId]);
    expect(claimed_units).toBe(0);
  });

  it('marks failed, from the sweep, a claim whose job failed for good while its failure could not be recorded', async () => {
    const { campaignId, claimIds: [id] } = await seedClaims(db, { kind: 'physical', claims: 1, viaOutbox: false });
    script.set(id, () => 422);
    await queue.add('fulfill-claim', { claimId: id }, { ...KEPT, jobId: `claim.${id}`, attempts: 1 });
    expect(await (await finished(`claim.${id}`)).getState()).toBe('failed');
    // As if PostgreSQL had been down through the last attempt: the job failed, the claim still pending.
    await db.query(`DELETE FROM notifications WHERE data->>'claimId' = $1`, [id]);
    await db.query(`UPDATE claims SET status = 'pending', failure_reason = NULL, updated_at = now() - interval '1 hour' WHERE id = $1`, [id]);
    await db.query(`UPDATE campaigns SET claimed_units = claimed_units + 1 WHERE id = $1`, [campaignId]);

    expect(await worker.get(PendingClaimsSweeper, { strict: false }).sweep()).toBeGreaterThanOrEqual(1);
    expect(await claimRow(id)).toMatchObject({ status: 'failed', failure_reason: expect.stringContaining('422') });
    const [{ claimed_units }] = await db.query(`SELECT claimed_units FROM campaigns WHERE id = $1`, [campaignId]);
    expect(claimed_units).toBe(0);
    expect(await db.query(`SELECT kind FROM notifications WHERE data->>'claimId' = $1`, [id])).toEqual([{ kind: 'claim_failed' }]);
    expect(await worker.get(PendingClaimsSweeper, { strict: false }).sweep()).toBe(0);
  });

  it('sweeps past a backlog of idle claims whose jobs only wait: a newer claim whose job was lost is added again', async () => {
    const { claimIds } = await seedClaims(db, { kind: 'digital_code', claims: 601, viaOutbox: false });
    const [lostId, ...waiting] = claimIds;
    try {
      await db.query(`UPDATE claims SET updated_at = now() - interval '2 hours' WHERE id = ANY($1::uuid[])`, [waiting]);
      await db.query(`UPDATE claims SET updated_at = now() - interval '1 hour' WHERE id = $1`, [lostId]);
      await queue.addBulk(waiting.map((id) => ({ name: 'fulfill-claim', data: { claimId: id }, opts: { jobId: `claim.${id}`, delay: 3_600_000 } })));
      expect(await worker.get(PendingClaimsSweeper, { strict: false }).sweep()).toBe(1);
      expect(await until(() => claimRow(lostId), (claim) => claim.status === 'fulfilled')).toMatchObject({ status: 'fulfilled' });
    } finally {
      await Promise.all(waiting.map((id) => queue.remove(`claim.${id}`)));
      await db.query(`UPDATE claims SET status = 'cancelled' WHERE id = ANY($1::uuid[]) AND status = 'pending'`, [waiting]);
    }
  });

  it('adds again the job of an idle claim whose record Redis kept while losing the set that held it (an evicting maxmemory policy)', async () => {
    const { claimIds: [id] } = await seedClaims(db, { kind: 'digital_code', claims: 1, viaOutbox: false });
    await queue.add('fulfill-claim', { claimId: id }, { jobId: `claim.${id}`, delay: 3_600_000 });
    const redis = (await queue.getBackend().client) as unknown as Redis;
    await redis.zrem(queue.keys.delayed, `claim.${id}`);
    await db.query(`UPDATE claims SET updated_at = now() - interval '1 hour' WHERE id = $1`, [id]);
    // (other idle claims of this file may be settled meanwhile: only this one's fate is checked)
    await worker.get(PendingClaimsSweeper, { strict: false }).sweep();
    expect(await until(() => claimRow(id), (claim) => claim.status === 'fulfilled')).toMatchObject({ status: 'fulfilled' });
  });

  it('leaves an idle claim held for review alone: only the admin\'s release enqueues its job', async () => {
    const { claimIds: [id] } = await seedClaims(db, { kind: 'digital_code', claims: 1, viaOutbox: false });
    await db.query(`UPDATE claims SET updated_at = now() - interval '1 hour' WHERE id = $1`, [id]);
    await db.query(`INSERT INTO claim_holds (claim_id, reason) VALUES ($1, 'shared_shipping_address')`, [id]);
    try {
      // (other idle claims of this file may be settled meanwhile: only this one's fate is checked)
      await worker.get(PendingClaimsSweeper, { strict: false }).sweep();
      expect(await queue.getJobState(`claim.${id}`)).toBe('unknown');
      expect((await claimRow(id)).status).toBe('pending');
    } finally {
      await db.query(`UPDATE claims SET status = 'cancelled' WHERE id = $1 AND status = 'pending'`, [id]);
    }
  });

  it('fails a digital claim at once when the code pool is empty', async () => {
    const { claimIds: [id] } = await seedClaims(db, { kind: 'digital_code', claims: 1, codes: 0, viaOutbox: false });
    await queue.add('fulfill-claim', { claimId: id }, { ...KEPT, jobId: `claim.${id}`, attempts: 5, ...FAST_RETRY });
    const job = await finished(`claim.${id}`);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/pool .* empty/);
    expect((await claimRow(id)).status).toBe('failed');
  });

  it('removes a completed job from Redis: the claim row keeps what it did', async () => {
    const { claimIds: [id] } = await seedClaims(db, { kind: 'digital_code', claims: 1 });
    expect(await until(() => claimRow(id), (claim) => claim.status === 'fulfilled')).toMatchObject({ status: 'fulfilled', fulfillment: { code: expect.any(String) } });
    expect(await until(() => queue.getJob(`claim.${id}`), (job) => job === undefined, 5000, 50)).toBeUndefined();
  });

  it('changes nothing when a finished job runs again', async () => {
    const { claimIds } = await seedClaims(db, { kind: 'digital_code', claims: 2, viaOutbox: false });
    const { claimIds: [invited] } = await seedClaims(db, { kind: 'experience', claims: 1, viaOutbox: false });
    for (const id of [...claimIds, invited]) await queue.add('fulfill-claim', { claimId: id }, { ...KEPT, jobId: `claim.${id}` });
    await Promise.all([...claimIds, invited].map((id) => finished(`claim.${id}`)));
    const before = await Promise.all([...claimIds, invited].map(claimRow));
    expect(before.every((c) => c.status === 'fulfilled')).toBe(true);

    for (const id of [...claimIds, invited]) await queue.add('fulfill-claim', { claimId: id }, { ...KEPT, jobId: `again.${id}` });
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
    await waitForLockWaiter(db);
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
    await queue.add('fulfill-claim', { claimId: id }, { ...KEPT, jobId: `claim.${id}` });
    await until(async () => carrier.requests.some((r) => r.body.claimId === id), Boolean, 10000, 20);
    const started = Date.now();
    await worker.close();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
