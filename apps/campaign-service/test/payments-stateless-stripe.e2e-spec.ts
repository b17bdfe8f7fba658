import { INestApplicationContext } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import Stripe from 'stripe';
import { jobIdFor } from '@app/queue';
import { Actor, createBrand, createWorkerContext, STATELESS_IDS, StripeObject } from '@app/testing';
import { CampaignRefundService } from '../../fulfillment-service/src/payments/campaign-refund.service';
import { FulfillmentModule } from '../../fulfillment-service/src/fulfillment.module';
import { insertCampaign } from './payments/campaign-sql';
import { createPaymentsEnv, PaymentsEnv } from './payments/stripe-env';
import { waitFor } from './payments/wait-for';

/**
 * A Stripe that hands every payment the same ids, as stripe-mock does: one checkout session id,
 * one refund id, the same payment intent for several campaigns. Completions are signed and posted
 * by the test, as a checker using stripe-mock would; each campaign must still be funded, refunded
 * and booked once, on its own.
 */
describe('payments: a stateless Stripe that repeats its ids, like stripe-mock (e2e)', () => {
  const SHARED_PAYMENT_INTENT = 'pi_test_shared_by_campaigns';
  let env: PaymentsEnv;
  let worker: INestApplicationContext;
  let refunds: CampaignRefundService;
  let brand: Actor;
  let eventSeq = 0;

  beforeAll(async () => {
    env = await createPaymentsEnv({ stateless: true });
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
    (
      await q<{ kind: string; amount_cents: string; stripe_object_id: string }>(
        `SELECT kind, amount_cents, stripe_object_id FROM ledger_entries WHERE campaign_id = $1 AND kind <> 'refund_confirmed' ORDER BY created_at, id`,
        [campaignId],
      )
    ).map((r) => [r.kind, Number(r.amount_cents), r.stripe_object_id]);
  const stats = async (campaignId: string) => {
    const res = await env.t.http.get(`/campaigns/${campaignId}/stats`).set('Authorization', brand.auth).expect(200);
    return { fundedCents: res.body.fundedCents, refundedCents: res.body.refundedCents };
  };
  const snapshot = async (campaignIds: string[]) =>
    Promise.all(
      campaignIds.map(async (id) => ({
        campaign: await q(`SELECT status, claims_frozen FROM campaigns WHERE id = $1`, [id]),
        fundings: await q(`SELECT id, status, stripe_payment_intent_id FROM fundings WHERE campaign_id = $1 ORDER BY created_at`, [id]),
        refunds: await q(`SELECT sequence, status, amount_cents, stripe_refund_id FROM refunds WHERE campaign_id = $1 ORDER BY sequence`, [id]),
        ledger: await ledger(id),
      })),
    );

  interface Funded {
    campaignId: string;
    fundingId: string;
    sessionId: string;
    completion: StripeObject;
  }

  /** The signed `checkout.session.completed` a checker builds from our 201 answer. */
  function completionOf(campaignId: string, fundingId: string, sessionId: string, paymentIntent: string): StripeObject {
    return {
      id: `evt_test_stateless_${++eventSeq}_${campaignId.slice(0, 8)}`,
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'checkout.session.completed',
      data: {
        object: {
          id: sessionId,
          object: 'checkout.session',
          mode: 'payment',
          status: 'complete',
          payment_status: 'paid',
          payment_intent: paymentIntent,
          metadata: { campaignId, fundingId },
        },
      },
    };
  }

  async function post(event: StripeObject): Promise<void> {
    const { payload, header } = env.fake.signed(event);
    await env.t.http.post('/payments/stripe/webhook').set('Content-Type', 'application/json').set('Stripe-Signature', header).send(payload).expect(200);
  }

  async function fundAndComplete(campaignId: string, paymentIntent: string): Promise<Funded> {
    const res = await env.t.http.post(`/campaigns/${campaignId}/funding`).set('Authorization', brand.auth).expect(201);
    const { fundingId, stripeCheckoutSessionId: sessionId } = res.body;
    const completion = completionOf(campaignId, fundingId, sessionId, paymentIntent);
    await post(completion);
    return { campaignId, fundingId, sessionId, completion };
  }

  /** Launched with `claimedUnits` claimed, then ended by the brand: the refund job runs in the worker. */
  async function endWithClaims(campaignId: string, claimedUnits: number): Promise<void> {
    await q(`UPDATE campaigns SET status = 'active', launched_at = now(), claimed_units = $2 WHERE id = $1`, [campaignId, claimedUnits]);
    await env.t.http.post(`/campaigns/${campaignId}/end`).set('Authorization', brand.auth).expect(200);
  }

  const succeededRefunds = async (campaignId: string) => (await q(`SELECT 1 FROM refunds WHERE campaign_id = $1 AND status = 'succeeded'`, [campaignId])).length;
  const refundCalls = (campaignId: string) =>
    env.fake
      .callsTo('/v1/refunds')
      .filter((c) => c.idempotencyKey?.startsWith(`refund-${campaignId}`))
      .map((c) => ({ key: c.idempotencyKey, paymentIntent: c.params.payment_intent, amount: Number(c.params.amount), status: c.status }));

  it('funds, ends and refunds three campaigns on one session id, a shared payment intent and one refund id; redeliveries change nothing', async () => {
    const a = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 10, unitCostCents: 500 });
    const b = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 20, unitCostCents: 300 });
    const c = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 4, unitCostCents: 1000 });

    // A repeated funding call answers the same funding: the session Stripe reports is still open.
    const first = await env.t.http.post(`/campaigns/${a}/funding`).set('Authorization', brand.auth).expect(201);
    const funded = [
      await fundAndComplete(a, SHARED_PAYMENT_INTENT),
      await fundAndComplete(b, SHARED_PAYMENT_INTENT),
      await fundAndComplete(c, 'pi_test_own_to_campaign_c'),
    ];
    expect(funded[0].fundingId).toBe(first.body.fundingId);
    expect(funded.map((f) => f.sessionId)).toEqual([STATELESS_IDS.session, STATELESS_IDS.session, STATELESS_IDS.session]);
    expect(new Set(funded.map((f) => f.fundingId)).size).toBe(3);

    const session = STATELESS_IDS.session;
    const fundedLedger = { [a]: [5000, 500], [b]: [6000, 600], [c]: [4000, 400] };
    for (const { campaignId } of funded) {
      expect((await q(`SELECT status FROM campaigns WHERE id = $1`, [campaignId]))[0].status).toBe('funded');
      const [units, fee] = fundedLedger[campaignId];
      expect(await ledger(campaignId)).toEqual([
        ['charge', units, session],
        ['fee', fee, session],
      ]);
    }

    // Redelivered completions (the same event, and the same completion under a new event id) change nothing.
    const beforeRedelivery = await snapshot([a, b, c]);
    await post(funded[0].completion);
    await post(completionOf(b, funded[1].fundingId, session, SHARED_PAYMENT_INTENT));
    expect(await snapshot([a, b, c])).toEqual(beforeRedelivery);

    // 4 of 10 claimed in a, 5 of 20 in b, none in c: each refunds its unused units and their share of the fee.
    await endWithClaims(a, 4);
    await endWithClaims(b, 5);
    await endWithClaims(c, 0);
    await waitFor(async () => (await Promise.all([a, b, c].map(succeededRefunds))).every((n) => n === 1), 15000);

    expect(refundCalls(a)).toEqual([{ key: `refund-${a}`, paymentIntent: SHARED_PAYMENT_INTENT, amount: 3300, status: 200 }]);
    expect(refundCalls(b)).toEqual([{ key: `refund-${b}`, paymentIntent: SHARED_PAYMENT_INTENT, amount: 4950, status: 200 }]);
    expect(refundCalls(c)).toEqual([{ key: `refund-${c}`, paymentIntent: 'pi_test_own_to_campaign_c', amount: 4400, status: 200 }]);
    const refund = STATELESS_IDS.refund;
    expect(await ledger(a)).toEqual([['charge', 5000, session], ['fee', 500, session], ['refund', -3000, refund], ['fee_refund', -300, refund]]);
    expect(await ledger(b)).toEqual([['charge', 6000, session], ['fee', 600, session], ['refund', -4500, refund], ['fee_refund', -450, refund]]);
    expect(await ledger(c)).toEqual([['charge', 4000, session], ['fee', 400, session], ['refund', -4000, refund], ['fee_refund', -400, refund]]);
    expect(await stats(a)).toEqual({ fundedCents: 5500, refundedCents: 3300 });
    expect(await stats(b)).toEqual({ fundedCents: 6600, refundedCents: 4950 });
    expect(await stats(c)).toEqual({ fundedCents: 4400, refundedCents: 4400 });
    for (const id of [a, b, c]) expect((await q(`SELECT status FROM campaigns WHERE id = $1`, [id]))[0].status).toBe('ended');

    // Completions redelivered after the end, and the refund jobs run again, change nothing either.
    const afterEnd = await snapshot([a, b, c]);
    for (const f of funded) await post(f.completion);
    for (const id of [a, b, c]) expect(await refunds.refundCampaign(id)).toMatchObject({ outcome: 'already_refunded' });
    expect(await snapshot([a, b, c])).toEqual(afterEnd);
    expect(env.fake.callsTo('/v1/refunds')).toHaveLength(3);
  });

  it('keeps the open funding when the stand-in reports its one fixture session complete or expired: the brand’s payment still funds the campaign', async () => {
    for (const reported of ['complete', 'expired'] as const) {
      const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 10, unitCostCents: 100 });
      const first = await env.t.http.post(`/campaigns/${campaignId}/funding`).set('Authorization', brand.auth).expect(201);
      // stripe-mock's retrieve answers a fixture with metadata {}: its status is not our session's.
      env.fake.statelessSessionStatus = reported;
      try {
        const again = await env.t.http.post(`/campaigns/${campaignId}/funding`).set('Authorization', brand.auth);
        expect({ reported, status: again.status, fundingId: again.body.fundingId }).toEqual({ reported, status: 201, fundingId: first.body.fundingId });
      } finally {
        env.fake.statelessSessionStatus = 'open';
      }
      expect(await q(`SELECT id, status FROM fundings WHERE campaign_id = $1`, [campaignId])).toEqual([{ id: first.body.fundingId, status: 'pending' }]);

      await post(completionOf(campaignId, first.body.fundingId, STATELESS_IDS.session, `pi_test_reported_${reported}`));
      expect(await q(`SELECT status FROM campaigns WHERE id = $1`, [campaignId])).toEqual([{ status: 'funded' }]);
      expect(await q(`SELECT status FROM fundings WHERE id = $1`, [first.body.fundingId])).toEqual([{ status: 'paid' }]);
      expect(await stats(campaignId)).toEqual({ fundedCents: 1100, refundedCents: 0 });
    }
  });

  it('applies a charge event to the campaign its metadata names when campaigns share a payment intent, and leaves one naming none unapplied', async () => {
    const paymentIntent = 'pi_test_shared_by_two';
    const [x, y] = [
      await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 10, unitCostCents: 100 }),
      await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 10, unitCostCents: 100 }),
    ];
    const fundedX = await fundAndComplete(x, paymentIntent);
    const fundedY = await fundAndComplete(y, paymentIntent);
    const event = (type: string, object: Record<string, unknown>): StripeObject => ({
      ...completionOf(y, fundedY.fundingId, fundedY.sessionId, paymentIntent),
      type,
      data: { object: { payment_intent: paymentIntent, ...object } },
    });

    // 400 refunded in the Dashboard on y's charge: the charge carries y's payment intent metadata.
    const metadataOfY = { campaignId: y, fundingId: fundedY.fundingId };
    await post(event('charge.refunded', { id: STATELESS_IDS.charge, object: 'charge', amount: 1100, amount_refunded: 400, metadata: metadataOfY }));
    expect(await stats(y)).toEqual({ fundedCents: 1100, refundedCents: 400 });
    expect(await stats(x)).toEqual({ fundedCents: 1100, refundedCents: 0 });

    // A dispute carries no metadata of ours: with two fundings on its payment intent it is kept, not guessed.
    const dispute = event('charge.dispute.created', { id: 'dp_test_stateless', object: 'dispute', amount: 1100, reason: 'fraudulent', status: 'needs_response', metadata: {} });
    await post(dispute);
    expect(await q(`SELECT applied_at FROM stripe_events WHERE id = $1`, [dispute.id])).toEqual([{ applied_at: null }]);
    expect(await q(`SELECT claims_frozen FROM campaigns WHERE id IN ($1, $2)`, [x, y])).toEqual([{ claims_frozen: false }, { claims_frozen: false }]);
    expect((await ledger(x)).map(([kind]) => kind)).toEqual(['charge', 'fee']);
    expect(fundedX.fundingId).not.toBe(fundedY.fundingId);
  });

  it('books a top-up refund that Stripe answers with the same refund id as the end’s', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 10, unitCostCents: 100 });
    await fundAndComplete(campaignId, SHARED_PAYMENT_INTENT);
    await endWithClaims(campaignId, 5);
    await waitFor(async () => (await succeededRefunds(campaignId)) === 1, 15000);
    // The refund row is committed before the job returns (and then plans once more): wait for the
    // job itself, or on a busy machine the unit given back below is refunded by the job as well.
    const payments = worker.get<Queue>(getQueueToken('payments'), { strict: false });
    await waitFor(async () => (await payments.getJob(jobIdFor('refund-campaign', campaignId)))?.finishedOn !== undefined);

    // A claim pending at the end fails: its unit goes back to the brand.
    await q(`UPDATE campaigns SET claimed_units = 4 WHERE id = $1`, [campaignId]);
    expect(await refunds.refundCampaign(campaignId)).toEqual({ outcome: 'refunded', refundId: STATELESS_IDS.refund, amountCents: 110 });
    expect(refundCalls(campaignId).map((call) => [call.key, call.amount])).toEqual([
      [`refund-${campaignId}`, 550],
      [`refund-${campaignId}-2`, 110],
    ]);
    expect((await ledger(campaignId)).filter(([kind]) => kind === 'refund' || kind === 'fee_refund')).toEqual([
      ['refund', -500, STATELESS_IDS.refund],
      ['fee_refund', -50, STATELESS_IDS.refund],
      ['refund', -100, STATELESS_IDS.refund],
      ['fee_refund', -10, STATELESS_IDS.refund],
    ]);
    expect(await stats(campaignId)).toEqual({ fundedCents: 1100, refundedCents: 660 });
    expect(await refunds.refundCampaign(campaignId)).toMatchObject({ outcome: 'already_refunded' });
  });
});
