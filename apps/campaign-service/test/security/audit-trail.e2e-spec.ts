import { INestApplicationContext } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { QUEUES } from '@app/queue';
import { Actor, createBrand, createMember, createWorkerContext, loginAdmin } from '@app/testing';
import { CampaignRefundService } from '../../../fulfillment-service/src/payments/campaign-refund.service';
import { FulfillmentModule } from '../../../fulfillment-service/src/fulfillment.module';
import { createPaymentsEnv, PaymentsEnv } from '../payments/stripe-env';
import { claim, createActive, createDraft } from './world';

interface Entry {
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/**
 * OWASP API9/API10 and the product's "every cent in a ledger": each admin and money action
 * leaves who, what, when, before and after in the append-only audit log, in its own transaction.
 */
describe('audit trail of admin and money actions (e2e)', () => {
  let env: PaymentsEnv;
  let worker: INestApplicationContext;
  let admin: Actor;
  let brand: Actor;
  let member: Actor;

  beforeAll(async () => {
    env = await createPaymentsEnv();
    worker = await createWorkerContext(FulfillmentModule);
    [admin, brand, member] = await Promise.all([loginAdmin(env.t.http), createBrand(env.t.http), createMember(env.t.http)]);
  });
  afterAll(async () => {
    await worker.close();
    await env.close();
  });

  async function trail(entityId: string): Promise<Entry[]> {
    const res = await env.t.http.get(`/admin/audit-log?entityId=${entityId}&limit=100`).set('Authorization', admin.auth).expect(200);
    return (res.body.items as Entry[]).reverse();
  }

  it('records funding paid (by Stripe), approval, rejection and inventory adjustments (by an admin)', async () => {
    const funded = await createDraft(env.t, brand);
    const funding = await env.t.http.post(`/campaigns/${funded}/funding`).set('Authorization', brand.auth).expect(201);
    await env.fake.paySession(funding.body.stripeCheckoutSessionId);
    await env.t.http.post(`/admin/campaigns/${funded}/approve`).set('Authorization', admin.auth).expect(200);
    await env.t.http.post(`/admin/campaigns/${funded}/inventory-adjustments`).set('Authorization', admin.auth).send({ delta: 5, reason: 'more stock' }).expect(201);
    const entries = await trail(funded);
    expect(entries).toEqual([
      expect.objectContaining({ actorId: null, action: 'funding.paid', entityType: 'campaign', after: expect.objectContaining({ fundingId: funding.body.fundingId, amountCents: funding.body.amountCents }) }),
      expect.objectContaining({ actorId: admin.id, action: 'campaign.approve', before: expect.objectContaining({ reviewStatus: 'pending' }), after: expect.objectContaining({ reviewStatus: 'approved' }) }),
      expect.objectContaining({ actorId: admin.id, action: 'inventory.adjust', before: { totalUnits: 50 }, after: expect.objectContaining({ totalUnits: 55, delta: 5, reason: 'more stock' }) }),
    ]);

    const rejected = await createDraft(env.t, brand);
    await env.t.http.post(`/admin/campaigns/${rejected}/reject`).set('Authorization', admin.auth).send({ reason: 'off brand' }).expect(200);
    expect(await trail(rejected)).toEqual([
      expect.objectContaining({ actorId: admin.id, action: 'campaign.reject', after: expect.objectContaining({ reviewStatus: 'rejected', reason: 'off brand' }) }),
    ]);
  });

  it('records who paused, resumed and ended a campaign (an admin or its brand)', async () => {
    const id = await createActive(env.t, brand, admin, []);
    await env.t.http.post(`/campaigns/${id}/pause`).set('Authorization', admin.auth).expect(200);
    await env.t.http.post(`/campaigns/${id}/resume`).set('Authorization', admin.auth).expect(200);
    await env.t.http.post(`/campaigns/${id}/end`).set('Authorization', admin.auth).expect(200);
    const lifecycle = (await trail(id)).filter((e) => ['campaign.pause', 'campaign.resume', 'campaign.end'].includes(e.action));
    expect(lifecycle).toEqual([
      expect.objectContaining({ actorId: admin.id, action: 'campaign.pause', before: { status: 'active' }, after: { status: 'paused' } }),
      expect.objectContaining({ actorId: admin.id, action: 'campaign.resume', before: { status: 'paused' }, after: { status: 'active' } }),
      expect.objectContaining({ actorId: admin.id, action: 'campaign.end', before: { status: 'active' }, after: { status: 'ended' } }),
    ]);
  });

  it('records admin claim cancel and retry with the claim before and after', async () => {
    const campaignId = await createActive(env.t, brand, admin, [member]);
    // The worker would fulfil the claim first: its job waits in the paused queue until the cancel
    // is in. (Pausing the queue in Redis, not the worker: a worker already waiting for a job still
    // takes the next one after its own pause.)
    const fulfilment = worker.get<Queue>(getQueueToken(QUEUES.fulfillment.name), { strict: false });
    await fulfilment.pause();
    const claimId = await claim(env.t, member, campaignId);
    await env.t.http.post(`/admin/claims/${claimId}/cancel`).set('Authorization', admin.auth).expect(200);
    await fulfilment.resume();

    const other = await createMember(env.t.http);
    const active = await createActive(env.t, brand, admin, [other]);
    const failed = await claim(env.t, other, active);
    await env.t.dataSource.query(`UPDATE claims SET status = 'failed', failure_reason = 'carrier down' WHERE id = $1`, [failed]);
    await env.t.dataSource.query(`UPDATE campaigns SET claimed_units = claimed_units - 1 WHERE id = $1`, [active]);
    await env.t.http.post(`/admin/claims/${failed}/retry`).set('Authorization', admin.auth).expect(200);

    expect(await trail(claimId)).toEqual([
      expect.objectContaining({ actorId: admin.id, action: 'claim.cancel', entityType: 'claim', before: expect.objectContaining({ status: 'pending' }), after: expect.objectContaining({ status: 'cancelled' }) }),
    ]);
    expect(await trail(failed)).toEqual([
      expect.objectContaining({ actorId: admin.id, action: 'claim.retry', before: expect.objectContaining({ status: 'failed' }), after: expect.objectContaining({ status: 'pending' }) }),
    ]);
  });

  it('records disputes opened and closed (by Stripe) on the campaign they concern', async () => {
    const campaignId = await createDraft(env.t, brand);
    const funding = await env.t.http.post(`/campaigns/${campaignId}/funding`).set('Authorization', brand.auth).expect(201);
    await env.fake.paySession(funding.body.stripeCheckoutSessionId);
    const charge = [...env.fake.charges.values()].find((c) => (c.metadata as { campaignId?: string }).campaignId === campaignId)!;
    const { dispute } = await env.fake.dispute(charge.id as string);
    await env.fake.resolveDispute(dispute.id as string, 'lost');
    const entries = await trail(campaignId);
    expect(entries.map((e) => e.action)).toEqual(['funding.paid', 'funding.dispute_open', 'funding.dispute_close']);
    expect(entries[2]).toMatchObject({ actorId: null, after: expect.objectContaining({ disputeId: dispute.id, disputeStatus: 'lost', returnedCents: 0 }) });
  });

  it('records refunds issued by the fulfillment worker', async () => {
    const campaignId = await createDraft(env.t, brand);
    const funding = await env.t.http.post(`/campaigns/${campaignId}/funding`).set('Authorization', brand.auth).expect(201);
    await env.fake.paySession(funding.body.stripeCheckoutSessionId);
    await env.t.dataSource.query(`UPDATE campaigns SET status = 'ended', ended_at = now() WHERE id = $1`, [campaignId]);
    const outcome = await worker.get(CampaignRefundService).refundCampaign(campaignId);
    expect(outcome).toMatchObject({ outcome: 'refunded' });
    const entries = await trail(campaignId);
    expect(entries.map((e) => e.action)).toEqual(['funding.paid', 'refund.issue']);
    expect(entries[1]).toMatchObject({ actorId: null, after: expect.objectContaining({ amountCents: funding.body.amountCents }) });
  });
});
