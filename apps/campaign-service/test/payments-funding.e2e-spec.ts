import { Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { Actor, createBrand, createMember, loginAdmin } from '@app/testing';
import { LedgerService } from '../src/payments/ledger.service';
import { StripeGateway } from '../src/payments/stripe-gateway';
import { insertCampaign } from './payments/campaign-sql';
import { createPaymentsEnv, PaymentsEnv, STRIPE_WEBHOOK_SECRET } from './payments/stripe-env';
import { waitFor } from './payments/wait-for';

describe('payments: funding and the Stripe webhook (e2e, real SDK against the fake Stripe)', () => {
  let env: PaymentsEnv;
  let brand: Actor;
  let admin: Actor;

  beforeAll(async () => {
    env = await createPaymentsEnv();
    brand = await createBrand(env.t.http);
    admin = await loginAdmin(env.t.http);
  });
  afterAll(() => env.close());

  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => env.t.dataSource.query(sql, params);
  const campaignStatus = async (id: string) => (await q<{ status: string }>(`SELECT status FROM campaigns WHERE id = $1`, [id]))[0].status;
  const fund = (campaignId: string, actor: Actor = brand) =>
    env.t.http.post(`/campaigns/${campaignId}/funding`).set('Authorization', actor.auth).send();
  const ledgerKinds = async (campaignId: string) =>
    (await q<{ kind: string; amount_cents: string }>(`SELECT kind, amount_cents FROM ledger_entries WHERE campaign_id = $1 ORDER BY created_at, id`, [campaignId])).map(
      (r) => [r.kind, Number(r.amount_cents)],
    );
  const eventOf = (type: string, sessionId: string) =>
    env.fake.events.find((e) => e.type === type && (e.data as { object: { id: string } }).object.id === sessionId)!;

  it('funds a campaign: Checkout Session → signed checkout.session.completed → funded, with charge and fee in the ledger', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 100, unitCostCents: 500 });
    const res = await fund(campaignId).expect(201);
    expect(res.body).toEqual({
      fundingId: expect.any(String),
      amountCents: 55000,
      checkoutUrl: expect.stringContaining('/checkout/cs_test_'),
      stripeCheckoutSessionId: expect.stringMatching(/^cs_test_/),
    });

    const session = env.fake.sessions.get(res.body.stripeCheckoutSessionId)!;
    expect(session).toMatchObject({
      mode: 'payment',
      amount_total: 55000,
      client_reference_id: campaignId,
      metadata: { campaignId, fundingId: res.body.fundingId },
      payment_intent_data: { metadata: { campaignId, fundingId: res.body.fundingId } },
      success_url: `http://perks.test/campaigns/${campaignId}?funding=success`,
    });
    expect((session.line_items as { data: unknown[] }).data).toEqual([
      expect.objectContaining({ quantity: 100, amount_total: 50000 }),
      expect.objectContaining({ quantity: 1, amount_total: 5000, description: 'Platform fee (10%)' }),
    ]);
    const [create] = env.fake.callsTo('/v1/checkout/sessions').filter((c) => c.params.client_reference_id === campaignId);
    expect(create.idempotencyKey).toBe(`funding-${res.body.fundingId}`);
    expect(await campaignStatus(campaignId)).toBe('draft');

    // The brand presses "Pay" on the fake's checkout page; the fake posts the signed event to the API.
    const page = await fetch(res.body.checkoutUrl);
    expect(await page.text()).toContain('Pay 550.00 USD');
    await fetch(`${res.body.checkoutUrl}/pay`, { method: 'POST' });

    expect(await campaignStatus(campaignId)).toBe('funded');
    const [funding] = await q(`SELECT status, stripe_payment_intent_id FROM fundings WHERE id = $1`, [res.body.fundingId]);
    expect(funding).toEqual({ status: 'paid', stripe_payment_intent_id: expect.stringMatching(/^pi_/) });
    expect(await ledgerKinds(campaignId)).toEqual([
      ['charge', 50000],
      ['fee', 5000],
    ]);
    expect(await env.t.app.get(LedgerService).totals(campaignId)).toEqual({ fundedCents: 55000, refundedCents: 0 });

    const again = await fund(campaignId).expect(409);
    expect(again.body.code).toBe('CAMPAIGN_ALREADY_FUNDED');
    const ledger = await env.t.http.get(`/admin/campaigns/${campaignId}/ledger`).set('Authorization', admin.auth).expect(200);
    expect(ledger.body.items).toHaveLength(2);
  });

  it('charges exactly the fundingRequiredCents of a campaign created through the API, and reports it in stats', async () => {
    const created = await env.t.http
      .post('/campaigns')
      .set('Authorization', brand.auth)
      .send({
        name: 'Launch party',
        description: 'Dinner for the top voices',
        perk: { kind: 'experience', title: 'Dinner', unitCostCents: 1999 },
        totalUnits: 37,
        perMemberLimit: 1,
        endsAt: new Date(Date.now() + 30 * 86400_000).toISOString(),
        eligibility: { provider: 'klout', minScore: 40 },
      })
      .expect(201);
    // 37 × 1999 = 73963; fee 7396.3 → 7396
    expect(created.body.fundingRequiredCents).toBe(81359);
    const res = await fund(created.body.id).expect(201);
    expect(res.body.amountCents).toBe(created.body.fundingRequiredCents);
    await env.fake.paySession(res.body.stripeCheckoutSessionId);
    const stats = await env.t.http.get(`/campaigns/${created.body.id}/stats`).set('Authorization', brand.auth).expect(200);
    expect(stats.body).toMatchObject({ fundedCents: 81359, refundedCents: 0 });
    const campaign = await env.t.http.get(`/campaigns/${created.body.id}`).set('Authorization', brand.auth).expect(200);
    expect(campaign.body.status).toBe('funded');
  });

  it('prices the draft as checkout charges when the fee rate changed since it was created, and refuses a draft past its endsAt', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 10, unitCostCents: 500 });
    // what a draft created under another PLATFORM_FEE_BPS shows
    await q(`UPDATE campaigns SET funding_required_cents = 5250 WHERE id = $1`, [campaignId]);
    expect((await fund(campaignId).expect(201)).body.amountCents).toBe(5500);
    expect((await env.t.http.get(`/campaigns/${campaignId}`).set('Authorization', brand.auth).expect(200)).body.fundingRequiredCents).toBe(5500);

    const past = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 10, unitCostCents: 500 });
    await q(`UPDATE campaigns SET ends_at = now() - interval '1 minute' WHERE id = $1`, [past]);
    expect((await fund(past).expect(409)).body.code).toBe('INVALID_TRANSITION');
    expect(await q(`SELECT 1 FROM fundings WHERE campaign_id = $1`, [past])).toEqual([]);
  });

  it('returns the open session when called twice or concurrently: one funding, one session, no second charge', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 10, unitCostCents: 1000 });
    const responses = await Promise.all([fund(campaignId), fund(campaignId), fund(campaignId), fund(campaignId, admin)]);
    for (const res of responses) expect(res.status).toBe(201);
    expect(new Set(responses.map((r) => r.body.stripeCheckoutSessionId)).size).toBe(1);
    expect(new Set(responses.map((r) => r.body.fundingId)).size).toBe(1);
    expect([...env.fake.sessions.values()].filter((s) => s.client_reference_id === campaignId)).toHaveLength(1);
    expect(await q(`SELECT id FROM fundings WHERE campaign_id = $1`, [campaignId])).toHaveLength(1);
  });

  it('documents funding, the webhook and the admin ledger in the OpenAPI document', async () => {
    const doc = await env.t.http.get('/docs-json').expect(200);
    expect(doc.body.paths['/campaigns/{id}/funding'].post.responses['201']).toBeDefined();
    expect(doc.body.paths['/payments/stripe/webhook'].post).toBeDefined();
    expect(doc.body.paths['/admin/campaigns/{id}/ledger'].get).toBeDefined();
  });

  it('answers 502 PAYMENT_PROVIDER_ERROR while Stripe is down, and the retry opens exactly one session', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!);
    // the SDK tries three times (two network retries) before giving up
    env.fake.failNext('/v1/checkout/sessions', 3, 503);
    const down = await fund(campaignId).expect(502);
    expect(down.body).toMatchObject({ code: 'PAYMENT_PROVIDER_ERROR', details: { type: 'StripeAPIError' } });
    const up = await fund(campaignId).expect(201);
    const [funding] = await q(`SELECT id FROM fundings WHERE campaign_id = $1`, [campaignId]);
    expect(up.body.fundingId).toBe(funding.id);
    expect([...env.fake.sessions.values()].filter((s) => s.client_reference_id === campaignId)).toHaveLength(1);
    const keys = env.fake.callsTo('/v1/checkout/sessions').filter((c) => c.params.client_reference_id === campaignId).map((c) => c.idempotencyKey);
    expect(new Set(keys)).toEqual(new Set([`funding-${funding.id}`]));
  });

  it('hides other brands’ campaigns and refuses members', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!);
    const other = await createBrand(env.t.http, 'other');
    expect((await fund(campaignId, other).expect(404)).body.code).toBe('NOT_FOUND');
    const member = await createMember(env.t.http);
    expect((await fund(campaignId, member).expect(403)).body.code).toBe('FORBIDDEN');
    await fund('not-a-uuid').expect(404);
  });

  it('refuses to fund a draft that was cancelled, as an ended campaign rather than an already funded one', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!);
    await env.t.http.post(`/campaigns/${campaignId}/end`).set('Authorization', brand.auth).expect(200);
    const refused = await fund(campaignId).expect(409);
    expect(refused.body).toMatchObject({ code: 'INVALID_TRANSITION', details: { status: 'ended' } });
  });

  it('ignores a redelivered event: same event id → 200 and nothing changes', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!);
    const res = await fund(campaignId).expect(201);
    await env.fake.paySession(res.body.stripeCheckoutSessionId);
    const completed = eventOf('checkout.session.completed', res.body.stripeCheckoutSessionId);
    const before = { ledger: await ledgerKinds(campaignId), events: await q(`SELECT id FROM stripe_events`) };

    expect(await env.fake.deliver(completed.id)).toBe(200);
    expect(await env.fake.deliver(completed.id)).toBe(200);
    expect(await ledgerKinds(campaignId)).toEqual(before.ledger);
    expect(await q(`SELECT id FROM stripe_events`)).toHaveLength(before.events.length);
    expect(await campaignStatus(campaignId)).toBe('funded');
  });

  it('warns, and books nothing, when a Checkout is paid for a funding the platform does not hold (a database restored from an older backup)', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!);
    const res = await fund(campaignId).expect(201);
    await q(`DELETE FROM fundings WHERE id = $1`, [res.body.fundingId]);
    const warned = jest.spyOn(Logger.prototype, 'warn');
    try {
      await env.fake.paySession(res.body.stripeCheckoutSessionId);
      await waitFor(async () => warned.mock.calls.some(([message]) => String(message).includes(res.body.stripeCheckoutSessionId)));
    } finally {
      warned.mockRestore();
    }
    expect(await ledgerKinds(campaignId)).toEqual([]);
    expect(await campaignStatus(campaignId)).toBe('draft');
  });

  it('reconciles charge.refunded that arrives before checkout.session.completed', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 100, unitCostCents: 500 });
    const res = await fund(campaignId).expect(201);
    const completed = await env.fake.paySession(res.body.stripeCheckoutSessionId, { deliver: false });
    const paymentIntent = (completed.data as { object: { payment_intent: string } }).object.payment_intent;

    // Someone refunds 10.00 in the Stripe Dashboard; Stripe delivers charge.refunded first.
    await env.stripe.refunds.create({ payment_intent: paymentIntent, amount: 1000 });
    await waitFor(() => env.fake.deliveries.some((d) => env.fake.events.find((e) => e.id === d.eventId)?.type === 'charge.refunded' && d.status === 200));
    const refunded = env.fake.events.filter((e) => e.type === 'charge.refunded').at(-1)!;
    const [stored] = await q(`SELECT applied_at FROM stripe_events WHERE id = $1`, [refunded.id]);
    expect(stored).toEqual({ applied_at: null });
    expect(await campaignStatus(campaignId)).toBe('draft');
    expect(await ledgerKinds(campaignId)).toEqual([]);

    expect(await env.fake.deliver(completed.id)).toBe(200);
    expect(await campaignStatus(campaignId)).toBe('funded');
    const expected = [
      ['charge', 50000],
      ['fee', 5000],
      ['refund', -1000],
      ['refund_confirmed', 0],
    ];
    expect(await ledgerKinds(campaignId)).toEqual(expected);
    expect(await env.t.app.get(LedgerService).totals(campaignId)).toEqual({ fundedCents: 55000, refundedCents: 1000 });

    // Redeliveries of both, in either order, change nothing.
    expect(await env.fake.deliver(refunded.id)).toBe(200);
    expect(await env.fake.deliver(completed.id)).toBe(200);
    expect(await ledgerKinds(campaignId)).toEqual(expected);
    expect((await q(`SELECT applied_at FROM stripe_events WHERE id = $1`, [refunded.id]))[0].applied_at).not.toBeNull();
  });

  it('rejects a bad, missing or stale signature with 400 STRIPE_SIGNATURE_INVALID and stores nothing', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!);
    const res = await fund(campaignId).expect(201);
    const completed = await env.fake.paySession(res.body.stripeCheckoutSessionId, { deliver: false });
    const post = (payload: string, header?: string) => {
      const req = env.t.http.post('/payments/stripe/webhook').set('Content-Type', 'application/json');
      return (header ? req.set('Stripe-Signature', header) : req).send(payload);
    };

    const forged = env.fake.signed(completed, { secret: 'whsec_attacker' });
    expect((await post(forged.payload, forged.header).expect(400)).body.code).toBe('STRIPE_SIGNATURE_INVALID');
    const stale = env.fake.signed(completed, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect((await post(stale.payload, stale.header).expect(400)).body.code).toBe('STRIPE_SIGNATURE_INVALID');
    const good = env.fake.signed(completed);
    const tampered = good.payload.replace('"paid"', '"unpaid"');
    expect((await post(tampered, good.header).expect(400)).body.code).toBe('STRIPE_SIGNATURE_INVALID');
    expect((await post(good.payload).expect(400)).body.code).toBe('STRIPE_SIGNATURE_INVALID');
    await post('{not json', good.header).expect(400);

    expect(await q(`SELECT id FROM stripe_events WHERE id = $1`, [completed.id])).toEqual([]);
    expect((await env.t.http.get('/metrics').expect(200)).text).toMatch(/^stripe_webhook_rejected_total [1-9]/m);
    expect(await campaignStatus(campaignId)).toBe('draft');

    await post(good.payload, good.header).expect(200);
    expect(await campaignStatus(campaignId)).toBe('funded');
  });

  it('answers 400 VALIDATION_FAILED to a signed but malformed event, naming the fields, and stores nothing', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!);
    const res = await fund(campaignId).expect(201);
    const metadata = { campaignId, fundingId: res.body.fundingId };
    const postSigned = (payload: string, contentType = 'application/json') =>
      env.t.http
        .post('/payments/stripe/webhook')
        .set('Content-Type', contentType)
        .set('Stripe-Signature', Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_WEBHOOK_SECRET }))
        .send(payload);
    const eventsBefore = await q(`SELECT id FROM stripe_events`);

    const malformed: [string, string[]][] = [
      ['{}', ['id', 'type', 'data.object']],
      ['[]', ['event']],
      ['{"id":"evt_x","type":"checkout.session.completed","data":{}}', ['data.object']],
      ['{"type":"x","data":{"object":{}}}', ['id']],
      ['{"id":7,"type":["x"],"data":{"object":[]}}', ['id', 'type', 'data.object']],
      // a known type whose object lacks what the webhook reads: refused, not half applied
      [
        JSON.stringify({ id: 'evt_no_session_id', type: 'checkout.session.completed', data: { object: { payment_status: 'paid', metadata } } }),
        ['data.object.id'],
      ],
      [JSON.stringify({ id: 'evt_no_amounts', type: 'charge.refunded', data: { object: { metadata, payment_intent: 'pi_x' } } }), ['data.object.id', 'data.object.amount', 'data.object.amount_refunded']],
      [
        JSON.stringify({ id: 'evt_bad_dispute', type: 'charge.dispute.created', data: { object: { id: 'dp_x', amount: '5', payment_intent: { no: 'id' } } } }),
        ['data.object.amount', 'data.object.status', 'data.object.payment_intent'],
      ],
      [JSON.stringify({ id: 'evt_bad_metadata', type: 'checkout.session.expired', data: { object: { id: 'cs_x', metadata: 'yes' } } }), ['data.object.metadata']],
      // PostgreSQL cannot store a NUL character in the event's id or payload
      ['{"id":"evt_\\u0000","type":"x","data":{"object":{}}}', ['event']],
      // nor a lone surrogate, nor an id longer than its index holds
      ['{"id":"evt_s","type":"x","data":{"object":{"x":"\\ud800"}}}', ['event']],
      [JSON.stringify({ id: `evt_${'f'.repeat(6000)}`, type: 'x', data: { object: {} } }), ['id']],
      // nor any Stripe id the webhook stores or looks up
      [JSON.stringify({ id: 'evt_long_charge', type: 'charge.refunded', data: { object: { id: `ch_${'c'.repeat(20000)}`, amount: 1, amount_refunded: 1 } } }), ['data.object.id']],
      [
        JSON.stringify({ id: 'evt_long_pi', type: 'checkout.session.completed', data: { object: { id: 'cs_x', payment_status: 'paid', metadata, payment_intent: { id: 'p'.repeat(9000) } } } }),
        ['data.object.payment_intent'],
      ],
    ];
    for (const [payload, fields] of malformed) {
      const answer = await postSigned(payload);
      expect({ payload, status: answer.status, code: answer.body.code }).toEqual({ payload, status: 400, code: 'VALIDATION_FAILED' });
      expect({ payload, body: answer.body }).toEqual({ payload, body: expect.objectContaining({ details: fields.map((field) => expect.objectContaining({ field })) }) });
    }
    expect(await q(`SELECT id FROM stripe_events`)).toEqual(eventsBefore);
    expect(await campaignStatus(campaignId)).toBe('draft');
    expect(await ledgerKinds(campaignId)).toEqual([]);

    // A fundingId that is not a string is no funding id: the session is looked up by its own id.
    const arrayId = { id: 'cs_unknown', payment_status: 'paid', metadata: { fundingId: [res.body.fundingId] } };
    await postSigned(JSON.stringify({ id: 'evt_array_funding', type: 'checkout.session.completed', data: { object: arrayId } })).expect(200);
    expect(await campaignStatus(campaignId)).toBe('draft');

    // A well-formed event of a type the platform does not apply is stored and acknowledged.
    await postSigned(JSON.stringify({ id: 'evt_unknown_type', type: 'customer.created', data: { object: { id: 'cus_x', payment_intent: 42 } } })).expect(200);
    expect(await q(`SELECT type, payment_intent_id FROM stripe_events WHERE id = 'evt_unknown_type'`)).toEqual([{ type: 'customer.created', payment_intent_id: null }]);
    // ... and so is one whose payment intent is no Stripe id (longer than an index entry holds).
    await postSigned(JSON.stringify({ id: 'evt_long_unknown', type: 'payment_intent.created', data: { object: { id: 'pi_x', payment_intent: 'x'.repeat(20000) } } })).expect(200);
    expect(await q(`SELECT payment_intent_id FROM stripe_events WHERE id = 'evt_long_unknown'`)).toEqual([{ payment_intent_id: null }]);

    // A signed body sent as text/plain is not parsed as JSON: the answer says so.
    const plain = await postSigned('{"id":"evt_plain","type":"x","data":{"object":{}}}', 'text/plain').expect(400);
    expect(plain.body).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('application/json') });
  });

  it('expires a funding with its session, and opens a new one afterwards', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!);
    const first = await fund(campaignId).expect(201);
    await env.fake.expireSession(first.body.stripeCheckoutSessionId);
    expect((await q(`SELECT status FROM fundings WHERE id = $1`, [first.body.fundingId]))[0].status).toBe('expired');

    const second = await fund(campaignId).expect(201);
    expect(second.body.fundingId).not.toBe(first.body.fundingId);
    expect(second.body.stripeCheckoutSessionId).not.toBe(first.body.stripeCheckoutSessionId);
    await expect(env.fake.paySession(first.body.stripeCheckoutSessionId)).rejects.toThrow(/expired/);
    await env.fake.paySession(second.body.stripeCheckoutSessionId);
    expect(await campaignStatus(campaignId)).toBe('funded');
  });

  it('opens a new session when Stripe expired the old one before its event arrived, and refuses while a payment is confirming', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!);
    const first = await fund(campaignId).expect(201);
    await env.fake.expireSession(first.body.stripeCheckoutSessionId, { deliver: false });
    const second = await fund(campaignId).expect(201);
    expect(second.body.stripeCheckoutSessionId).not.toBe(first.body.stripeCheckoutSessionId);
    expect((await q(`SELECT status FROM fundings WHERE id = $1`, [first.body.fundingId]))[0].status).toBe('expired');

    await env.fake.paySession(second.body.stripeCheckoutSessionId, { deliver: false });
    expect((await fund(campaignId).expect(409)).body.code).toBe('CAMPAIGN_ALREADY_FUNDED');
    expect([...env.fake.sessions.values()].filter((s) => s.client_reference_id === campaignId)).toHaveLength(2);
  });

  it('replaces the open session when the draft budget changed, expiring the old one at Stripe', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 10, unitCostCents: 100 });
    const first = await fund(campaignId).expect(201);
    expect(first.body.amountCents).toBe(1100);
    await q(`UPDATE campaigns SET total_units = 20 WHERE id = $1`, [campaignId]);
    const second = await fund(campaignId).expect(201);
    expect(second.body.amountCents).toBe(2200);
    expect(env.fake.sessions.get(first.body.stripeCheckoutSessionId)!.status).toBe('expired');
    await waitFor(async () => (await q(`SELECT status FROM fundings WHERE id = $1`, [first.body.fundingId]))[0].status === 'expired');

    // Two calls after another change both retire the same session: one expires it at Stripe between
    // the other's look and its own expiry, which Stripe then refuses (that answered 502).
    await q(`UPDATE campaigns SET total_units = 30 WHERE id = $1`, [campaignId]);
    const gateway = env.t.app.get(StripeGateway);
    const call = gateway.call.bind(gateway);
    const raced = jest.spyOn(gateway, 'call').mockImplementation(async (what, fn) => {
      if (what === 'checkout session expire') await env.fake.expireSession(second.body.stripeCheckoutSessionId);
      return call(what, fn);
    });
    const third = await fund(campaignId).expect(201);
    raced.mockRestore();
    expect(third.body.amountCents).toBe(3300);
    expect(env.fake.sessions.get(second.body.stripeCheckoutSessionId)!.status).toBe('expired');
  });

  it('funds on async_payment_succeeded after an unpaid completion, and records a failed delayed payment', async () => {
    const fundingStatus = async (id: string) => (await q<{ status: string }>(`SELECT status FROM fundings WHERE id = $1`, [id]))[0].status;
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!);
    const res = await fund(campaignId).expect(201);
    await env.fake.payAsync(res.body.stripeCheckoutSessionId);
    expect(await fundingStatus(res.body.fundingId)).toBe('pending');
    expect(await campaignStatus(campaignId)).toBe('draft');
    await env.fake.settle(res.body.stripeCheckoutSessionId, 'succeeded');
    expect(await fundingStatus(res.body.fundingId)).toBe('paid');
    expect(await campaignStatus(campaignId)).toBe('funded');
    expect(await ledgerKinds(campaignId)).toEqual([
      ['charge', 50000],
      ['fee', 5000],
    ]);

    const failing = await insertCampaign(env.t.dataSource, brand.brandId!);
    const first = await fund(failing).expect(201);
    await env.fake.payAsync(first.body.stripeCheckoutSessionId);
    await env.fake.settle(first.body.stripeCheckoutSessionId, 'failed');
    expect(await fundingStatus(first.body.fundingId)).toBe('failed');
    expect(await campaignStatus(failing)).toBe('draft');
    expect(await ledgerKinds(failing)).toEqual([]);
    const retry = await fund(failing).expect(201);
    expect(retry.body.fundingId).not.toBe(first.body.fundingId);
  });

  it('applies a dispute that overtakes the payment completion once the completion arrives', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 100, unitCostCents: 500 });
    const res = await fund(campaignId).expect(201);
    const completed = await env.fake.paySession(res.body.stripeCheckoutSessionId, { deliver: false });
    const charge = [...env.fake.charges.values()].find((c) => (c.metadata as { campaignId?: string }).campaignId === campaignId)!;
    await env.fake.dispute(charge.id);
    expect(await ledgerKinds(campaignId)).toEqual([]);

    expect(await env.fake.deliver(completed.id)).toBe(200);
    expect(await ledgerKinds(campaignId)).toEqual([
      ['charge', 50000],
      ['fee', 5000],
      ['dispute_opened', -55000],
    ]);
    expect((await q<{ claims_frozen: boolean }>(`SELECT claims_frozen FROM campaigns WHERE id = $1`, [campaignId]))[0].claims_frozen).toBe(true);
  });

  it('freezes claims and alerts admins on a dispute; unfreezes when the dispute is won', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 100, unitCostCents: 500 });
    const res = await fund(campaignId).expect(201);
    await env.fake.paySession(res.body.stripeCheckoutSessionId);
    const charge = [...env.fake.charges.values()].find((c) => (c.metadata as { campaignId?: string }).campaignId === campaignId)!;

    const { dispute, event } = await env.fake.dispute(charge.id);
    const frozen = async () => (await q<{ claims_frozen: boolean }>(`SELECT claims_frozen FROM campaigns WHERE id = $1`, [campaignId]))[0].claims_frozen;
    expect(await frozen()).toBe(true);
    const alerts = await q(`SELECT member_id, kind, data FROM notifications WHERE kind = 'payment_dispute' AND data->>'campaignId' = $1`, [campaignId]);
    expect(alerts).toEqual([{ member_id: admin.id, kind: 'payment_dispute', data: expect.objectContaining({ disputeId: dispute.id, amountCents: 55000 }) }]);
    // The admin reads it like any notification.
    const inbox = await env.t.http.get('/me/notifications?limit=100').set('Authorization', admin.auth).expect(200);
    expect(inbox.body.items).toContainEqual(expect.objectContaining({ kind: 'payment_dispute', data: expect.objectContaining({ campaignId, disputeId: dispute.id }) }));
    expect(await env.fake.deliver(event.id)).toBe(200);
    expect(await q(`SELECT id FROM notifications WHERE kind = 'payment_dispute' AND data->>'campaignId' = $1`, [campaignId])).toHaveLength(1);

    await env.fake.resolveDispute(dispute.id, 'won');
    expect(await frozen()).toBe(false);
    expect(await ledgerKinds(campaignId)).toEqual([
      ['charge', 50000],
      ['fee', 5000],
      ['dispute_opened', -55000],
      ['dispute_closed', 55000],
    ]);
  });

  it('replaces the open session when PLATFORM_FEE_BPS or the unit cost changed since it was opened: checkout charges the current price', async () => {
    const campaignId = await insertCampaign(env.t.dataSource, brand.brandId!, { totalUnits: 10, unitCostCents: 100 });
    const first = await fund(campaignId).expect(201);
    expect(first.body.amountCents).toBe(1100);
    // as if opened while PLATFORM_FEE_BPS was 500
    await q(`UPDATE fundings SET fee_bps = 500, fee_cents = 50, amount_cents = 1050 WHERE id = $1`, [first.body.fundingId]);
    const second = await fund(campaignId).expect(201);
    expect(second.body.fundingId).not.toBe(first.body.fundingId);
    expect(second.body.amountCents).toBe(1100);
    expect(env.fake.sessions.get(first.body.stripeCheckoutSessionId)!.status).toBe('expired');

    await q(`UPDATE campaigns SET unit_cost_cents = 200 WHERE id = $1`, [campaignId]);
    const third = await fund(campaignId).expect(201);
    expect(third.body.fundingId).not.toBe(second.body.fundingId);
    expect(third.body.amountCents).toBe(2200);
    expect(env.fake.sessions.get(second.body.stripeCheckoutSessionId)!.status).toBe('expired');
  });
});
