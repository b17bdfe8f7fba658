import { INestApplicationContext } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { jobIdFor } from '@app/queue';
import { Actor, createBrand, createWorkerContext, loginAdmin } from '@app/testing';
import { CampaignScheduleService } from '../../fulfillment-service/src/lifecycle/campaign-schedule.service';
import { ClaimGateInvalidator } from '../../fulfillment-service/src/lifecycle/claim-gate-invalidator.service';
import { OverdueCampaignsSweeper } from '../../fulfillment-service/src/lifecycle/overdue-campaigns-sweeper.service';
import { FulfillmentModule } from '../../fulfillment-service/src/fulfillment.module';
import { insertCampaign } from './payments/campaign-sql';
import { createPaymentsEnv, PaymentsEnv } from './payments/stripe-env';
import { waitFor } from './payments/wait-for';

/**
 * API.md: "Ending (by call, or at endsAt) refunds the unused units' share". The end job is queued
 * when the funding completes, so a campaign funded and never launched ends at endsAt too.
 */
describe('payments: a funded campaign ends at endsAt, launched or not (e2e, fulfillment worker + fake Stripe)', () => {
  let env: PaymentsEnv;
  let worker: INestApplicationContext;
  let brand: Actor;
  let admin: Actor;

  beforeAll(async () => {
    env = await createPaymentsEnv();
    worker = await createWorkerContext(FulfillmentModule);
    [brand, admin] = await Promise.all([createBrand(env.t.http), loginAdmin(env.t.http)]);
  });
  afterAll(async () => {
    await worker.close();
    await env.close();
  });

  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => env.t.dataSource.query(sql, params);
  const campaignOf = async (id: string) =>
    (await q<{ status: string; ended_at: Date | null; launched_at: Date | null }>(`SELECT status, ended_at, launched_at FROM campaigns WHERE id = $1`, [id]))[0];
  const stripeRefundsOf = (campaignId: string) => [...env.fake.refunds.values()].filter((r) => (r.metadata as { campaignId?: string }).campaignId === campaignId);
  const succeededRefunds = async (campaignId: string) => (await q(`SELECT 1 FROM refunds WHERE campaign_id = $1 AND status = 'succeeded'`, [campaignId])).length;
  const outboxOf = async (campaignId: string) =>
    q<{ job_name: string; job_id: string; run_at: Date }>(`SELECT job_name, job_id, run_at FROM outbox WHERE payload->>'campaignId' = $1 ORDER BY id`, [campaignId]);

  /** 10 units × 500 + a 500 fee, paid through Checkout and the signed webhook, approved, ending in `endsInMs`. */
  async function fundedApproved(endsInMs: number): Promise<{ campaignId: string; endsAt: Date }> {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 10, unitCostCents: 500 });
    const endsAt = new Date(Date.now() + endsInMs);
    await q(`UPDATE campaigns SET ends_at = $2 WHERE id = $1`, [campaignId, endsAt]);
    const res = await env.t.http.post(`/campaigns/${campaignId}/funding`).set('Authorization', brand.auth).expect(201);
    await env.fake.paySession(res.body.stripeCheckoutSessionId);
    expect((await campaignOf(campaignId)).status).toBe('funded');
    await env.t.http.post(`/admin/campaigns/${campaignId}/approve`).set('Authorization', admin.auth).expect(200);
    return { campaignId, endsAt };
  }

  it('ends a funded campaign that was never launched at endsAt and refunds it in full, fee included; launch is then refused', async () => {
    const { campaignId, endsAt } = await fundedApproved(4000);
    const [end] = (await outboxOf(campaignId)).filter((j) => j.job_name === 'end-campaign');
    expect(end).toMatchObject({ job_id: jobIdFor('end-campaign', campaignId) });
    expect(new Date(end.run_at).getTime()).toBe(endsAt.getTime());

    await waitFor(async () => (await campaignOf(campaignId)).status === 'ended', 15000);
    const ended = await campaignOf(campaignId);
    expect(ended.launched_at).toBeNull();
    expect(ended.ended_at!.getTime()).toBeGreaterThanOrEqual(endsAt.getTime());
    await waitFor(async () => (await succeededRefunds(campaignId)) === 1, 15000);
    expect(stripeRefundsOf(campaignId).map((r) => r.amount)).toEqual([5500]);
    const stats = await env.t.http.get(`/campaigns/${campaignId}/stats`).set('Authorization', brand.auth).expect(200);
    expect(stats.body).toMatchObject({ fundedCents: 5500, refundedCents: 5500 });

    expect((await env.t.http.post(`/campaigns/${campaignId}/launch`).set('Authorization', brand.auth).expect(409)).body.code).toBe('INVALID_TRANSITION');
    // The end job running again (or the brand ending by hand) ends nothing twice, and refunds nothing more.
    expect(await worker.get(CampaignScheduleService).end(campaignId)).toEqual({ outcome: 'skipped', reason: 'not_endable', status: 'ended' });
    await env.t.http.post(`/campaigns/${campaignId}/end`).set('Authorization', brand.auth).expect(409);
    expect((await outboxOf(campaignId)).filter((j) => j.job_name === 'refund-campaign')).toHaveLength(1);
    expect(stripeRefundsOf(campaignId)).toHaveLength(1);
  });

  it('still launches before endsAt: one end job (the funding’s and the launch’s share its jobId) ends it once, refunding the unused units', async () => {
    const { campaignId } = await fundedApproved(4000);
    expect((await env.t.http.post(`/campaigns/${campaignId}/launch`).set('Authorization', brand.auth).expect(200)).body).toEqual({ status: 'active' });
    const ends = (await outboxOf(campaignId)).filter((j) => j.job_name === 'end-campaign');
    expect(ends.map((j) => j.job_id)).toEqual([jobIdFor('end-campaign', campaignId), jobIdFor('end-campaign', campaignId)]);
    await q(`UPDATE campaigns SET claimed_units = 4 WHERE id = $1`, [campaignId]);

    await waitFor(async () => (await campaignOf(campaignId)).status === 'ended', 15000);
    await waitFor(async () => (await succeededRefunds(campaignId)) === 1, 15000);
    // 6 unused units × 500 + 6/10 of the 500 fee
    expect(stripeRefundsOf(campaignId).map((r) => r.amount)).toEqual([3300]);
    const lifecycle = worker.get<Queue>(getQueueToken('campaign-lifecycle'), { strict: false });
    const job = await lifecycle.getJob(jobIdFor('end-campaign', campaignId));
    expect(job?.returnvalue).toEqual({ outcome: 'ended' });
    expect((await outboxOf(campaignId)).filter((j) => j.job_name === 'refund-campaign')).toHaveLength(1);
  });

  describe('when Redis lost the timed jobs (an evicting maxmemory policy drops the delayed set, keeping the job records)', () => {
    const lifecycle = () => worker.get<Queue>(getQueueToken('campaign-lifecycle'), { strict: false });
    /** Waits until the relay handed the job to BullMQ, then drops it from the delayed set as eviction does. */
    async function evicted(name: 'start-campaign' | 'end-campaign', campaignId: string): Promise<void> {
      const queue = lifecycle();
      const jobId = jobIdFor(name, campaignId);
      await waitFor(async () => (await queue.getJobState(jobId)) === 'delayed', 15000);
      await ((await queue.getBackend().client) as unknown as Redis).zrem(queue.keys.delayed, jobId);
      // Added again under its jobId (as the relay does after a restore), it stays lost: BullMQ keeps its record.
      await queue.add(name, { campaignId }, { jobId, delay: 1 });
      expect(await queue.getJobState(jobId)).toBe('unknown');
    }

    it('ends a live campaign whose end job was lost once it is overdue, refunding the unused units', async () => {
      const { campaignId } = await fundedApproved(60_000);
      await env.t.http.post(`/campaigns/${campaignId}/launch`).set('Authorization', brand.auth).expect(200);
      await evicted('end-campaign', campaignId);
      await q(`UPDATE campaigns SET starts_at = now() - interval '10 minutes', ends_at = now() - interval '2 minutes', claimed_units = 3 WHERE id = $1`, [campaignId]);

      await worker.get(OverdueCampaignsSweeper).sweep();
      expect((await campaignOf(campaignId)).status).toBe('ended');
      await waitFor(async () => (await succeededRefunds(campaignId)) === 1, 15000);
      // 7 unused units × 500 + 7/10 of the 500 fee
      expect(stripeRefundsOf(campaignId).map((r) => r.amount)).toEqual([3850]);
      // Nothing more on the next pass.
      await worker.get(OverdueCampaignsSweeper).sweep();
      expect((await outboxOf(campaignId)).filter((j) => j.job_name === 'refund-campaign')).toHaveLength(1);
    });

    it('starts a scheduled campaign whose start job was lost, and leaves alone one not yet due', async () => {
      const { campaignId } = await fundedApproved(600_000);
      await q(`UPDATE campaigns SET starts_at = now() + interval '5 minutes' WHERE id = $1`, [campaignId]);
      expect((await env.t.http.post(`/campaigns/${campaignId}/launch`).set('Authorization', brand.auth).expect(200)).body).toEqual({ status: 'scheduled' });
      await evicted('start-campaign', campaignId);

      await worker.get(OverdueCampaignsSweeper).sweep();
      expect((await campaignOf(campaignId)).status).toBe('scheduled');
      await q(`UPDATE campaigns SET starts_at = now() - interval '2 minutes' WHERE id = $1`, [campaignId]);
      await worker.get(OverdueCampaignsSweeper).sweep();
      expect(await campaignOf(campaignId)).toMatchObject({ status: 'active', launched_at: expect.any(Date) });
      expect((await outboxOf(campaignId)).map((j) => j.job_name)).toContain('match-campaign');
    });

    it('drops the claim gate’s cached state at the next pass when Redis failed that after the start committed', async () => {
      const { campaignId } = await fundedApproved(600_000);
      await q(`UPDATE campaigns SET starts_at = now() + interval '5 minutes' WHERE id = $1`, [campaignId]);
      await env.t.http.post(`/campaigns/${campaignId}/launch`).set('Authorization', brand.auth).expect(200);
      await evicted('start-campaign', campaignId);
      await q(`UPDATE campaigns SET starts_at = now() - interval '2 minutes' WHERE id = $1`, [campaignId]);
      const invalidate = jest.spyOn(worker.get(ClaimGateInvalidator), 'invalidate').mockRejectedValueOnce(new Error('Redis away'));
      try {
        expect(await worker.get(OverdueCampaignsSweeper).sweep()).toBe(0);
        expect((await campaignOf(campaignId)).status).toBe('active');
        await worker.get(OverdueCampaignsSweeper).sweep();
        expect(invalidate.mock.calls).toEqual([[campaignId], [campaignId]]);
        await worker.get(OverdueCampaignsSweeper).sweep();
        expect(invalidate).toHaveBeenCalledTimes(2);
      } finally {
        invalidate.mockRestore();
      }
    });
  });
});
