import { INestApplicationContext } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue, UnrecoverableError } from 'bullmq';
import fc from 'fast-check';
import { jobIdFor } from '@app/queue';
import { Actor, createBrand, createMember, createWorkerContext, loginAdmin } from '@app/testing';
import { ClaimFailureService } from '../../fulfillment-service/src/fulfillment/claim-failure.service';
import { CampaignRefundService } from '../../fulfillment-service/src/payments/campaign-refund.service';
import { FulfillmentModule } from '../../fulfillment-service/src/fulfillment.module';
import { LedgerService } from '../src/payments/ledger.service';
import { insertCampaign, SqlCampaign } from './payments/campaign-sql';
import { createPaymentsEnv, PaymentsEnv } from './payments/stripe-env';
import { waitFor } from './payments/wait-for';

describe('payments: refunds of unused units (e2e, fulfillment worker + fake Stripe)', () => {
  let env: PaymentsEnv;
  let worker: INestApplicationContext;
  let refunds: CampaignRefundService;
  let brand: Actor;

  beforeAll(async () => {
    env = await createPaymentsEnv();
    worker = await createWorkerContext(FulfillmentModule);
    refunds = worker.get(CampaignRefundService);
    brand = await createBrand(env.t.http);
  });
  afterAll(async () => {
    await worker.close();
    await env.close();
  });

  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => env.t.dataSource.query(sql, params);
  const ledger = async (campaignId: string) =>
    (await q<{ kind: string; amount_cents: string }>(`SELECT kind, amount_cents FROM ledger_entries WHERE campaign_id = $1 ORDER BY created_at, id`, [campaignId])).map(
      (r) => [r.kind, Number(r.amount_cents)],
    );
  const chargeOf = (campaignId: string) => [...env.fake.charges.values()].find((c) => (c.metadata as { campaignId?: string }).campaignId === campaignId)!;
  const stripeRefundsOf = (campaignId: string) =>
    [...env.fake.refunds.values()].filter((r) => r.charge === chargeOf(campaignId)?.id && (r.metadata as { campaignId?: string }).campaignId === campaignId);

  /** A campaign funded through Checkout and the signed webhook. */
  async function fundedCampaign(c: SqlCampaign = {}): Promise<string> {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!, c);
    const res = await env.t.http.post(`/campaigns/${campaignId}/funding`).set('Authorization', brand.auth).expect(201);
    await env.fake.paySession(res.body.stripeCheckoutSessionId);
    return campaignId;
  }

  async function endWithClaims(campaignId: string, claimedUnits: number): Promise<void> {
    await q(`UPDATE campaigns SET status = 'ended', ended_at = now(), claimed_units = $2 WHERE id = $1`, [campaignId, claimedUnits]);
  }

  it('refunds once through the queue when Stripe answers 500 first: the job retries with the same idempotency key', async () => {
    const campaignId = await fundedCampaign({ totalUnits: 100, unitCostCents: 500 });
    await q(`UPDATE campaigns SET status = 'active', launched_at = now(), claimed_units = 30 WHERE id = $1`, [campaignId]);
    env.fake.failNext('/v1/refunds', 1, 500);

    await env.t.http.post(`/campaigns/${campaignId}/end`).set('Authorization', brand.auth).expect(200);
    await waitFor(async () => (await q(`SELECT 1 FROM refunds WHERE campaign_id = $1 AND status = 'succeeded'`, [campaignId])).length === 1, 15000);

    const calls = env.fake.callsTo('/v1/refunds').filter((c) => c.idempotencyKey === `refund-${campaignId}`);
    expect(calls.map((c) => c.status)).toEqual([500, 200]);
    expect(calls[0].params).toEqual(calls[1].params);
    // 70 unused units × 500 cents, and 70% of the 5000 fee
    expect(stripeRefundsOf(campaignId).map((r) => r.amount)).toEqual([38500]);
    expect(await ledger(campaignId)).toEqual(
      expect.arrayContaining([
        ['refund', -35000],
        ['fee_refund', -3500],
      ]),
    );
    // The refund row is committed before the job returns (and then plans once more): wait for the job itself.
    const paymentsQueue = worker.get<Queue>(getQueueToken('payments'), { strict: false });
    await waitFor(async () => (await paymentsQueue.getJob(jobIdFor('refund-campaign', campaignId)))?.finishedOn !== undefined);
    const job = await paymentsQueue.getJob(jobIdFor('refund-campaign', campaignId));
    expect(job?.attemptsMade).toBeGreaterThanOrEqual(2);
    expect(job?.returnvalue).toMatchObject({ outcome: 'refunded', amountCents: 38500 });

    // Stripe's charge.refunded confirms it once in the ledger.
    await waitFor(async () => (await ledger(campaignId)).some(([kind]) => kind === 'refund_confirmed'));
    expect(await env.t.app.get(LedgerService).totals(campaignId)).toEqual({ fundedCents: 55000, refundedCents: 38500 });
    expect((await q(`SELECT confirmed_at FROM refunds WHERE campaign_id = $1`, [campaignId]))[0].confirmed_at).not.toBeNull();
  });

  it('finds a refund Stripe made whose answer was lost once its idempotency key has expired, and asks for no second one', async () => {
    const campaignId = await fundedCampaign({ totalUnits: 100, unitCostCents: 500 });
    await q(`UPDATE campaigns SET status = 'active', launched_at = now(), claimed_units = 30 WHERE id = $1`, [campaignId]);
    env.fake.failNext('/v1/refunds', 1, 500);
    await env.t.http.post(`/campaigns/${campaignId}/end`).set('Authorization', brand.auth).expect(200);
    const pendingRefund = () => q<{ id: string; amount_cents: number }>(`SELECT id, amount_cents FROM refunds WHERE campaign_id = $1 AND status = 'pending'`, [campaignId]);
    await waitFor(async () => (await pendingRefund()).length === 1);
    const [pending] = await pendingRefund();
    // As if an attempt had reached Stripe, its answer had been lost, and retries had failed for
    // longer than Stripe keeps the key (a day): the key no longer finds the refund.
    const { refund: made } = env.fake.createRefund({
      payment_intent: chargeOf(campaignId).payment_intent as string,
      amount: String(pending.amount_cents),
      metadata: { campaignId, refundId: pending.id },
    });
    await waitFor(async () => (await q(`SELECT 1 FROM refunds WHERE campaign_id = $1 AND status = 'succeeded'`, [campaignId])).length === 1, 15000);

    expect(stripeRefundsOf(campaignId).map((r) => r.id)).toEqual([made.id]);
    expect(await q(`SELECT stripe_refund_id FROM refunds WHERE campaign_id = $1`, [campaignId])).toEqual([{ stripe_refund_id: made.id }]);
    expect((await ledger(campaignId)).filter(([kind]) => kind === 'refund' || kind === 'fee_refund')).toEqual([
      ['refund', -35000],
      ['fee_refund', -3500],
    ]);
  });

  it('refunds no cent twice when PostgreSQL forgot a refund it made (restored from a backup), even once Stripe forgot the key', async () => {
    // 10 units × 100 + fee 100; 8 claimed → 220 refunded
    const campaignId = await fundedCampaign({ totalUnits: 10, unitCostCents: 100 });
    await endWithClaims(campaignId, 8);
    await expect(refunds.refundCampaign(campaignId)).resolves.toMatchObject({ outcome: 'refunded', amountCents: 220 });
    await settleWebhooks();
    // Restored to a backup taken before the end, with one claim fewer (made after it): the refund,
    // its ledger rows and Stripe's event about it are gone, and a day later so is Stripe's key.
    await env.t.dataSource.transaction(async (m) => {
      await m.query(`SET LOCAL session_replication_role = replica`); // past the ledger's append-only trigger
      await m.query(`DELETE FROM ledger_entries WHERE campaign_id = $1 AND kind NOT IN ('charge', 'fee')`, [campaignId]);
      await m.query(`DELETE FROM refunds WHERE campaign_id = $1`, [campaignId]);
      await m.query(`DELETE FROM stripe_events WHERE type = 'charge.refunded' AND payment_intent_id = $1`, [chargeOf(campaignId).payment_intent]);
    });
    await endWithClaims(campaignId, 7);
    env.fake.forgetIdempotencyKeys();

    // 7 claimed → the policy owes 330: 110 more, not 330 again
    await expect(refunds.refundCampaign(campaignId)).resolves.toMatchObject({ outcome: 'refunded', amountCents: 110 });
    await settleWebhooks();
    expect(stripeRefundsOf(campaignId).map((r) => r.amount)).toEqual([220, 110]);
    expect(await env.t.app.get(LedgerService).totals(campaignId)).toEqual({ fundedCents: 1100, refundedCents: 330 });
  });

  it('refunds a unit that comes back after the end by a top-up: a pending claim that fails, or that an admin cancels', async () => {
    const campaignId = await fundedCampaign({ totalUnits: 10, unitCostCents: 500 });
    const members = [await createMember(env.t.http, 'late-fail'), await createMember(env.t.http, 'late-cancel')];
    const [failing, cancelled] = await Promise.all(
      members.map(async (member) => {
        const [claim] = await q<{ id: string }>(
          `INSERT INTO claims (campaign_id, member_id, idempotency_key, disclosure_accepted_at) VALUES ($1, $2, 'k', now()) RETURNING id`,
          [campaignId, member.id],
        );
        return claim.id;
      }),
    );
    // two claims still pending and two fulfilled when the brand ends the campaign
    await q(`UPDATE campaigns SET status = 'active', launched_at = now(), claimed_units = 4 WHERE id = $1`, [campaignId]);
    await env.t.http.post(`/campaigns/${campaignId}/end`).set('Authorization', brand.auth).expect(200);
    const succeeded = async (n: number) => (await q(`SELECT 1 FROM refunds WHERE campaign_id = $1 AND status = 'succeeded'`, [campaignId])).length === n;
    await waitFor(() => succeeded(1), 15000);

    expect(await worker.get(ClaimFailureService).markFailed(failing, 0, 'the venue cancelled')).toBe(true);
    await waitFor(() => succeeded(2), 15000);
    const admin = await loginAdmin(env.t.http);
    await env.t.http.post(`/admin/claims/${cancelled}/cancel`).set('Authorization', admin.auth).expect(200);
    await waitFor(() => succeeded(3), 15000);

    // 6 unused units × 500 + 60% of the 500 fee at the end, then 500 + 50 for each unit back
    expect(stripeRefundsOf(campaignId).map((r) => r.amount)).toEqual([3300, 550, 550]);
    const keys = env.fake.callsTo('/v1/refunds').filter((c) => c.idempotencyKey?.startsWith(`refund-${campaignId}`)).map((c) => c.idempotencyKey);
    expect(keys).toEqual([`refund-${campaignId}`, `refund-${campaignId}-2`, `refund-${campaignId}-3`]);
    expect(await env.t.app.get(LedgerService).totals(campaignId)).toEqual({ fundedCents: 5500, refundedCents: 4400 });
    // a second run of any of the jobs finds nothing more owed
    expect(await refunds.refundCampaign(campaignId)).toMatchObject({ outcome: 'already_refunded' });
    expect(stripeRefundsOf(campaignId)).toHaveLength(3);
  });

  it('refunds nothing while a dispute of the payment is open: a won dispute releases the refund, a lost one leaves the money with the customer', async () => {
    const paymentsQueue = worker.get<Queue>(getQueueToken('payments'), { strict: false });
    const outcomes: Record<string, unknown> = {};
    for (const outcome of ['won', 'lost'] as const) {
      const campaignId = await fundedCampaign({ totalUnits: 10, unitCostCents: 500 });
      await q(`UPDATE campaigns SET status = 'active', launched_at = now(), claimed_units = 4 WHERE id = $1`, [campaignId]);
      const { dispute } = await env.fake.dispute(chargeOf(campaignId).id as string);
      await waitFor(async () => (await ledger(campaignId)).some(([kind]) => kind === 'dispute_opened'));
      await env.t.http.post(`/campaigns/${campaignId}/end`).set('Authorization', brand.auth).expect(200);
      await waitFor(async () => (await paymentsQueue.getJob(jobIdFor('refund-campaign', campaignId)))?.finishedOn !== undefined, 15000);
      expect((await paymentsQueue.getJob(jobIdFor('refund-campaign', campaignId)))?.returnvalue).toEqual({ outcome: 'disputed' });
      expect(stripeRefundsOf(campaignId)).toEqual([]);

      await env.fake.resolveDispute(dispute.id as string, outcome);
      const closeJob = jobIdFor('refund-campaign', campaignId, dispute.id as string);
      await waitFor(async () => (await paymentsQueue.getJob(closeJob))?.finishedOn !== undefined, 15000);
      outcomes[outcome] = (await paymentsQueue.getJob(closeJob))?.returnvalue;
      // won: the withheld 5500 came back and the unused 6 units are refunded; lost: all 5500 went back by the chargeback
      expect(stripeRefundsOf(campaignId).map((r) => r.amount)).toEqual(outcome === 'won' ? [3300] : []);
      expect(await env.t.app.get(LedgerService).totals(campaignId)).toEqual({ fundedCents: 5500, refundedCents: outcome === 'won' ? 3300 : 5500 });
    }
    expect(outcomes).toEqual({ won: expect.objectContaining({ outcome: 'refunded', amountCents: 3300 }), lost: { outcome: 'nothing_unused' } });
  });

  it('replaces a refund Stripe refused as charged back by a new one once the dispute is won', async () => {
    const campaignId = await fundedCampaign({ totalUnits: 10, unitCostCents: 500 });
    await endWithClaims(campaignId, 5);
    // The chargeback reaches Stripe before the refund, its webhook only after.
    const { dispute, event } = await env.fake.dispute(chargeOf(campaignId).id as string, { deliver: false });
    expect(await refunds.refundCampaign(campaignId)).toEqual({ outcome: 'disputed' });
    expect(await q(`SELECT status, amount_cents FROM refunds WHERE campaign_id = $1`, [campaignId])).toEqual([{ status: 'disputed', amount_cents: '2750' }]);
    await env.fake.deliver(event.id as string);
    await env.fake.resolveDispute(dispute.id as string, 'won');
    await waitFor(async () => (await q(`SELECT 1 FROM refunds WHERE campaign_id = $1 AND status = 'succeeded'`, [campaignId])).length === 1, 15000);
    expect(stripeRefundsOf(campaignId).map((r) => r.amount)).toEqual([2750]);
    const keys = env.fake.callsTo('/v1/refunds').filter((c) => c.idempotencyKey?.startsWith(`refund-${campaignId}`));
    expect(keys.map((c) => [c.idempotencyKey, c.status])).toEqual([
      [`refund-${campaignId}`, 400],
      [`refund-${campaignId}-2`, 200],
    ]);
    expect(await env.t.app.get(LedgerService).totals(campaignId)).toEqual({ fundedCents: 5500, refundedCents: 2750 });
  });

  it('refunds the whole budget, fee included, when a funded campaign is cancelled before launch; never twice', async () => {
    const campaignId = await fundedCampaign({ totalUnits: 3, unitCostCents: 1110 });
    await endWithClaims(campaignId, 0);
    expect(await refunds.refundCampaign(campaignId)).toMatchObject({ outcome: 'refunded', amountCents: 3663 });
    expect(await refunds.refundCampaign(campaignId)).toMatchObject({ outcome: 'already_refunded' });
    await Promise.all([refunds.refundCampaign(campaignId), refunds.refundCampaign(campaignId)]);
    expect(stripeRefundsOf(campaignId)).toHaveLength(1);
    expect(chargeOf(campaignId)).toMatchObject({ amount: 3663, amount_refunded: 3663, refunded: true });
  });

  it('refunds nothing for an unfunded campaign, and closes its open checkout so it cannot be paid', async () => {
    const unfunded = await insertCampaign(env.t.dataSource, brand.brandId!, { status: 'ended' });
    expect(await refunds.refundCampaign(unfunded)).toEqual({ outcome: 'nothing_paid' });

    const cancelled = await insertCampaign(env.t.dataSource, brand.brandId!);
    const res = await env.t.http.post(`/campaigns/${cancelled}/funding`).set('Authorization', brand.auth).expect(201);
    await endWithClaims(cancelled, 0);
    const callsBefore = env.fake.callsTo('/v1/refunds').length;
    expect(await refunds.refundCampaign(cancelled)).toEqual({ outcome: 'nothing_paid' });
    expect(env.fake.sessions.get(res.body.stripeCheckoutSessionId)!.status).toBe('expired');
    expect((await q(`SELECT status FROM fundings WHERE id = $1`, [res.body.fundingId]))[0].status).toBe('expired');
    expect(env.fake.callsTo('/v1/refunds')).toHaveLength(callsBefore);
  });

  it('refunds nothing when every unit was claimed, and refuses a campaign that has not ended', async () => {
    const full = await fundedCampaign({ totalUnits: 5, unitCostCents: 100 });
    await endWithClaims(full, 5);
    expect(await refunds.refundCampaign(full)).toEqual({ outcome: 'nothing_unused' });

    const live = await fundedCampaign();
    await expect(refunds.refundCampaign(live)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(stripeRefundsOf(live)).toHaveLength(0);
  });

  it('refunds in full a payment that completes after the campaign was cancelled', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 10, unitCostCents: 100 });
    const res = await env.t.http.post(`/campaigns/${campaignId}/funding`).set('Authorization', brand.auth).expect(201);
    await endWithClaims(campaignId, 0);
    await env.fake.paySession(res.body.stripeCheckoutSessionId);
    expect((await q(`SELECT status FROM campaigns WHERE id = $1`, [campaignId]))[0].status).toBe('ended');
    expect((await q(`SELECT status FROM fundings WHERE id = $1`, [res.body.fundingId]))[0].status).toBe('stale');
    await waitFor(async () => (await q(`SELECT 1 FROM refunds WHERE funding_id = $1 AND status = 'succeeded'`, [res.body.fundingId])).length === 1, 15000);
    expect(chargeOf(campaignId)).toMatchObject({ amount: 1100, amount_refunded: 1100 });
    expect(env.fake.callsTo('/v1/refunds').find((c) => c.params.payment_intent === chargeOf(campaignId).payment_intent)?.idempotencyKey).toBe(
      `refund-funding-${res.body.fundingId}`,
    );
    // The end-of-campaign job finds nothing else to refund.
    expect(await refunds.refundCampaign(campaignId)).toEqual({ outcome: 'nothing_paid' });
  });

  it('refunds in full a payment for a budget the draft no longer has, and the draft can be funded again', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 10, unitCostCents: 100 });
    const old = await env.t.http.post(`/campaigns/${campaignId}/funding`).set('Authorization', brand.auth).expect(201);
    // The brand edits the draft while the old checkout page is still open, then pays that page.
    await q(`UPDATE campaigns SET total_units = 20 WHERE id = $1`, [campaignId]);
    await env.fake.paySession(old.body.stripeCheckoutSessionId);
    expect((await q(`SELECT status FROM campaigns WHERE id = $1`, [campaignId]))[0].status).toBe('draft');
    await waitFor(async () => (await q(`SELECT 1 FROM refunds WHERE funding_id = $1 AND status = 'succeeded'`, [old.body.fundingId])).length === 1, 15000);
    expect(chargeOf(campaignId)).toMatchObject({ amount: 1100, amount_refunded: 1100 });

    const fresh = await env.t.http.post(`/campaigns/${campaignId}/funding`).set('Authorization', brand.auth).expect(201);
    expect(fresh.body.amountCents).toBe(2200);
    await env.fake.paySession(fresh.body.stripeCheckoutSessionId);
    expect((await q(`SELECT status FROM campaigns WHERE id = $1`, [campaignId]))[0].status).toBe('funded');
    await settleWebhooks();
    expect(await env.t.app.get(LedgerService).totals(campaignId)).toEqual({ fundedCents: 3300, refundedCents: 1100 });
  });

  it('reports in stats only the payment that funds the campaign: a stale payment and its full refund stay in the admin ledger', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 10, unitCostCents: 500 });
    const old = await env.t.http.post(`/campaigns/${campaignId}/funding`).set('Authorization', brand.auth).expect(201);
    expect(old.body.amountCents).toBe(5500);
    await env.t.http.patch(`/campaigns/${campaignId}`).set('Authorization', brand.auth).send({ totalUnits: 20 }).expect(200);
    // The brand pays the checkout page opened for the old budget: stale, refunded in full.
    await env.fake.paySession(old.body.stripeCheckoutSessionId);
    await waitFor(async () => (await q(`SELECT 1 FROM refunds WHERE funding_id = $1 AND status = 'succeeded'`, [old.body.fundingId])).length === 1, 15000);
    const fresh = await env.t.http.post(`/campaigns/${campaignId}/funding`).set('Authorization', brand.auth).expect(201);
    expect(fresh.body.amountCents).toBe(11000);
    await env.fake.paySession(fresh.body.stripeCheckoutSessionId);
    await settleWebhooks();

    const stats = async () => {
      const res = await env.t.http.get(`/campaigns/${campaignId}/stats`).set('Authorization', brand.auth).expect(200);
      return { fundedCents: res.body.fundedCents, refundedCents: res.body.refundedCents };
    };
    expect(await stats()).toEqual({ fundedCents: 11000, refundedCents: 0 });
    const admin = await loginAdmin(env.t.http);
    const entries = (await env.t.http.get(`/admin/campaigns/${campaignId}/ledger`).set('Authorization', admin.auth).expect(200)).body.items as {
      fundingId: string;
      kind: string;
      amountCents: number;
    }[];
    expect(entries.filter((e) => e.fundingId === old.body.fundingId && e.kind !== 'refund_confirmed').map((e) => [e.kind, e.amountCents])).toEqual([
      ['charge', 5000],
      ['fee', 500],
      ['refund', -5000],
      ['fee_refund', -500],
    ]);
    expect(await env.t.app.get(LedgerService).totals(campaignId)).toEqual({ fundedCents: 16500, refundedCents: 5500 });

    // At the end, refundedCents is the refund of the unused units: 15 of 20, and 15/20 of the 1000 fee.
    await endWithClaims(campaignId, 5);
    expect(await refunds.refundCampaign(campaignId)).toMatchObject({ outcome: 'refunded', amountCents: 8250 });
    expect(await stats()).toEqual({ fundedCents: 11000, refundedCents: 8250 });
  });

  it('books and refunds a payment Stripe took just as the platform gave its funding up', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 4, unitCostCents: 250 });
    const res = await env.t.http.post(`/campaigns/${campaignId}/funding`).set('Authorization', brand.auth).expect(201);
    await q(`UPDATE fundings SET status = 'expired' WHERE id = $1`, [res.body.fundingId]);
    await env.fake.paySession(res.body.stripeCheckoutSessionId);
    expect((await q(`SELECT status FROM fundings WHERE id = $1`, [res.body.fundingId]))[0].status).toBe('stale');
    expect((await q(`SELECT status FROM campaigns WHERE id = $1`, [campaignId]))[0].status).toBe('draft');
    await waitFor(async () => (await q(`SELECT 1 FROM refunds WHERE funding_id = $1 AND status = 'succeeded'`, [res.body.fundingId])).length === 1, 15000);
    await settleWebhooks();
    expect(await env.t.app.get(LedgerService).totals(campaignId)).toEqual({ fundedCents: 1100, refundedCents: 1100 });
  });

  it('marks a refund failed when the Dashboard refunded the charge during an outage, and books that refund', async () => {
    const campaignId = await fundedCampaign({ totalUnits: 10, unitCostCents: 100 });
    await endWithClaims(campaignId, 0);
    env.fake.failNext('/v1/refunds', 1, 500);
    await expect(refunds.refundCampaign(campaignId)).rejects.toMatchObject({ type: 'StripeAPIError' });
    expect((await q(`SELECT status, amount_cents FROM refunds WHERE campaign_id = $1`, [campaignId]))[0]).toEqual({ status: 'pending', amount_cents: '1100' });

    // Someone refunds 500 in the Dashboard meanwhile: the frozen 1100 no longer fits.
    await env.stripe.refunds.create({ charge: chargeOf(campaignId).id, amount: 500 });
    await waitFor(async () => (await ledger(campaignId)).some(([kind]) => kind === 'refund_confirmed'));
    await expect(refunds.refundCampaign(campaignId)).rejects.toBeInstanceOf(UnrecoverableError);
    expect((await q(`SELECT status FROM refunds WHERE campaign_id = $1`, [campaignId]))[0].status).toBe('failed');
    await expect(refunds.refundCampaign(campaignId)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await env.t.app.get(LedgerService).totals(campaignId)).toEqual({ fundedCents: 1100, refundedCents: 500 });
    expect(chargeOf(campaignId).amount_refunded).toBe(500);
  });

  it('marks a refund failed when Stripe refuses it for good and cannot find its payment either', async () => {
    const campaignId = await fundedCampaign({ totalUnits: 10, unitCostCents: 100 });
    await endWithClaims(campaignId, 0);
    // A payment Stripe does not know (another account's key, a test-mode id in live mode).
    await q(`UPDATE fundings SET stripe_payment_intent_id = 'pi_unknown_to_stripe' WHERE campaign_id = $1`, [campaignId]);
    await expect(refunds.refundCampaign(campaignId)).rejects.toBeInstanceOf(UnrecoverableError);
    expect((await q(`SELECT status FROM refunds WHERE campaign_id = $1`, [campaignId]))[0].status).toBe('failed');
  });

  it('books every Dashboard cent when a partial refund in flight was counted on and then refused', async () => {
    // 10 units × 100 + fee 100; 5 claimed → the platform owes 550
    const campaignId = await fundedCampaign({ totalUnits: 10, unitCostCents: 100 });
    await endWithClaims(campaignId, 5);
    env.fake.failNext('/v1/refunds', 1, 500);
    await expect(refunds.refundCampaign(campaignId)).rejects.toMatchObject({ type: 'StripeAPIError' });
    await env.stripe.refunds.create({ charge: chargeOf(campaignId).id, amount: 700 });
    await waitFor(async () => (await ledger(campaignId)).some(([kind]) => kind === 'refund_confirmed'));
    await expect(refunds.refundCampaign(campaignId)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await env.t.app.get(LedgerService).totals(campaignId)).toEqual({ fundedCents: 1100, refundedCents: 700 });
  });

  it('never refunds more than was paid, refunds what the policy owes, and books every refunded cent, for any sequence of end/cancel, units back, retries, Stripe failures, Dashboard refunds and redeliveries (property)', async () => {
    type Step =
      | { kind: 'retry' }
      | { kind: 'fail'; count: number }
      | { kind: 'parallel' }
      | { kind: 'redeliver' }
      | { kind: 'dashboard'; share: number }
      | { kind: 'unitBack' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.constant<Step>({ kind: 'retry' }),
      fc.integer({ min: 1, max: 3 }).map<Step>((count) => ({ kind: 'fail', count })),
      fc.constant<Step>({ kind: 'parallel' }),
      fc.constant<Step>({ kind: 'redeliver' }),
      fc.double({ min: 0.01, max: 1, noNaN: true }).map<Step>((share) => ({ kind: 'dashboard', share })),
      fc.constant<Step>({ kind: 'unitBack' }),
    );
    const dashboardRefund = async (charge: Record<string, unknown>, share: number) => {
      const remaining = (charge.amount as number) - (charge.amount_refunded as number);
      if (remaining <= 0) return;
      const params = { charge: charge.id as string, amount: Math.max(1, Math.floor(remaining * share)) };
      // The Dashboard user retries through the outage injected for the platform's refunds.
      for (let attempt = 0; ; attempt++) {
        const ok = await env.stripe.refunds.create(params).then(
          () => true,
          (error: { statusCode?: number }) => {
            if (error.statusCode !== 500 || attempt > 20) throw error;
            return false;
          },
        );
        if (ok) break;
      }
      await settleWebhooks();
    };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          units: fc.integer({ min: 1, max: 40 }),
          unitCost: fc.integer({ min: 1, max: 2000 }),
          cancelled: fc.boolean(),
          claimedShare: fc.double({ min: 0, max: 1, noNaN: true }),
          dashboardRefundShare: fc.option(fc.double({ min: 0.01, max: 1, noNaN: true }), { nil: undefined }),
          steps: fc.array(step, { maxLength: 6 }),
        }),
        async ({ units, unitCost, cancelled, claimedShare, dashboardRefundShare, steps }) => {
          const campaignId = await fundedCampaign({ totalUnits: units, unitCostCents: unitCost });
          const charge = chargeOf(campaignId);
          const paid = charge.amount as number;
          if (dashboardRefundShare !== undefined) await dashboardRefund(charge, dashboardRefundShare);
          const elsewhere = charge.amount_refunded as number;
          await endWithClaims(campaignId, cancelled ? 0 : Math.floor(units * claimedShare));
          const attempt = () => refunds.refundCampaign(campaignId).catch((error: Error) => error);
          for (const s of steps) {
            if (s.kind === 'retry') await attempt();
            if (s.kind === 'fail') env.fake.failNext('/v1/refunds', s.count, 500);
            if (s.kind === 'parallel') await Promise.all([attempt(), attempt()]);
            if (s.kind === 'dashboard') await dashboardRefund(charge, s.share);
            // a claim pending at the end fails or is cancelled: its unit is owed to the brand
            if (s.kind === 'unitBack') await q(`UPDATE campaigns SET claimed_units = greatest(claimed_units - 1, 0) WHERE id = $1`, [campaignId]);
            if (s.kind === 'redeliver') {
              const last = env.fake.events.filter((e) => e.type === 'charge.refunded').at(-1);
              if (last) await env.fake.deliver(last.id);
            }
          }
          env.fake.clearFailures();
          const final = await attempt();
          if (final instanceof Error) {
            // Only a refund Stripe refused for good (the Dashboard took what it was for) may stay undone.
            expect(final).toBeInstanceOf(UnrecoverableError);
            expect((await q(`SELECT status FROM refunds WHERE campaign_id = $1`, [campaignId])).map((r) => r.status)).toContain('failed');
          }
          await settleWebhooks();

          expect(charge.amount_refunded as number).toBeLessThanOrEqual(paid);
          const failedRefunds = await q(`SELECT 1 FROM refunds WHERE campaign_id = $1 AND status = 'failed'`, [campaignId]);
          if (!steps.some((s) => s.kind === 'dashboard') && !failedRefunds.length) {
            // The refunds (the end's and its top-ups) are exactly the policy's at the final count; one made in the
            // Dashboard before the end is part of it (all of it, if it was more).
            const [{ claimed_units: claimed }] = await q<{ claimed_units: number }>(`SELECT claimed_units FROM campaigns WHERE id = $1`, [campaignId]);
            const unused = units - claimed;
            const owed = unused * unitCost + Math.floor(((paid - units * unitCost) * unused) / units);
            expect(charge.amount_refunded).toBe(Math.max(owed, elsewhere));
          }
          expect(await q(`SELECT id FROM refunds WHERE campaign_id = $1 AND status = 'succeeded'`, [campaignId])).toHaveLength(
            stripeRefundsOf(campaignId).length,
          );
          const totals = await env.t.app.get(LedgerService).totals(campaignId);
          expect(totals.fundedCents).toBe(paid);
          // every refunded cent is in the ledger, and never more than was paid
          expect(totals.refundedCents).toBe(charge.amount_refunded);
        },
      ),
      { numRuns: 20 },
    );
  });

  async function settleWebhooks(): Promise<void> {
    await waitFor(() => env.fake.events.every((e) => env.fake.deliveries.some((d) => d.eventId === e.id)));
  }
});
