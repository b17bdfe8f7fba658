import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { FakeStripe, STATELESS_IDS } from './fake-stripe';

const WEBHOOK_SECRET = 'whsec_spec';

describe('FakeStripe through the real SDK', () => {
  let fake: FakeStripe;
  let stripe: Stripe;
  let receiver: Server;
  const received: { body: string; signature: string }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ body, signature: String(req.headers['stripe-signature']) });
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    fake = new FakeStripe({ secretKey: 'sk_test_spec', webhookSecret: WEBHOOK_SECRET, webhookUrl });
    const url = new URL(await fake.start());
    stripe = new Stripe('sk_test_spec', { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
  });
  afterAll(async () => {
    await fake.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  const sessionParams = (amount = 500): Stripe.Checkout.SessionCreateParams => ({
    mode: 'payment',
    line_items: [
      { quantity: 10, price_data: { currency: 'usd', unit_amount: amount, product_data: { name: 'units' } } },
      { quantity: 1, price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'fee' } } },
    ],
    client_reference_id: 'campaign-1',
    metadata: { campaignId: 'campaign-1' },
    payment_intent_data: { metadata: { campaignId: 'campaign-1' } },
    success_url: 'http://localhost/ok',
  });

  it('creates a checkout session, replays an idempotent request and refuses a reused key', async () => {
    const first = await stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: 'k1' });
    expect(first).toMatchObject({ object: 'checkout.session', amount_total: 5500, status: 'open', payment_status: 'unpaid' });
    expect(first.url).toBe(`${fake.url}/checkout/${first.id}`);
    const again = await stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: 'k1' });
    expect(again.id).toBe(first.id);
    expect(fake.sessions.size).toBe(1);
    await expect(stripe.checkout.sessions.create(sessionParams(600), { idempotencyKey: 'k1' })).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
      statusCode: 400,
    });
  });

  it('pays through the checkout page and sends a signed checkout.session.completed', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const page = await fetch(session.url!);
    expect(await page.text()).toContain('Pay 55.00 USD');
    await fetch(`${fake.url}/checkout/${session.id}/pay`, { method: 'POST' });
    const delivered = received.at(-1)!;
    const event = stripe.webhooks.constructEvent(delivered.body, delivered.signature, WEBHOOK_SECRET);
    expect(event.type).toBe('checkout.session.completed');
    expect(event.data.object).toMatchObject({ id: session.id, payment_status: 'paid', payment_intent: expect.stringMatching(/^pi_/) });
  });

  it('refunds partially, answers injected 500s as api_error, and refuses refunding more than remains', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const completed = await fake.paySession(session.id);
    const paymentIntent = (completed.data as { object: { payment_intent: string } }).object.payment_intent;
    fake.failNext('/v1/refunds', 1);
    await expect(stripe.refunds.create({ payment_intent: paymentIntent, amount: 1000 }, { idempotencyKey: 'r1' })).rejects.toMatchObject({
      type: 'StripeAPIError',
      statusCode: 500,
    });
    const refund = await stripe.refunds.create({ payment_intent: paymentIntent, amount: 1000 }, { idempotencyKey: 'r1' });
    const replay = await stripe.refunds.create({ payment_intent: paymentIntent, amount: 1000 }, { idempotencyKey: 'r1' });
    expect(replay.id).toBe(refund.id);
    expect(fake.charges.get(refund.charge as string)).toMatchObject({ amount_refunded: 1000, refunded: false });
    await expect(stripe.refunds.create({ payment_intent: paymentIntent, amount: 5000 })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      code: 'amount_too_large',
    });
    expect(fake.events.filter((e) => e.type === 'charge.refunded')).toHaveLength(1);
  });

  it('offers its test controls over HTTP for `npm run stripe:fake`', async () => {
    const control = (path: string, body?: unknown) =>
      fetch(`${fake.url}/_fake/${path}`, { method: body === undefined ? 'GET' : 'POST', body: body === undefined ? undefined : JSON.stringify(body) }).then(
        async (res) => ({ status: res.status, body: await res.json() }),
      );
    const session = await stripe.checkout.sessions.create(sessionParams());
    expect((await control('fail', { pathPrefix: '/v1/checkout/sessions', count: 1, status: 503 })).status).toBe(200);
    await expect(stripe.checkout.sessions.retrieve(session.id)).rejects.toMatchObject({ statusCode: 503 });
    const paid = await control(`sessions/${session.id}/pay`, { deliver: false });
    expect(paid.body).toMatchObject({ type: 'checkout.session.completed', data: { object: { id: session.id, payment_status: 'paid' } } });
    expect((await control(`events/${paid.body.id}/deliver`, {})).body).toEqual({ status: 200 });
    expect((await control('events')).body.data.map((e: { id: string }) => e.id)).toContain(paid.body.id);
    expect((await control('calls')).body.data.at(-1)).toMatchObject({ method: 'GET', path: `/v1/checkout/sessions/${session.id}`, status: 503 });
    expect((await control('nothing-here', {})).status).toBe(404);
    // Failures injected for longer than a test needs are cleared at once.
    await control('fail', { pathPrefix: '/v1/checkout/sessions', count: 1000 });
    expect((await fetch(`${fake.url}/_fake/fail`, { method: 'DELETE' })).status).toBe(200);
    await expect(stripe.checkout.sessions.retrieve(session.id)).resolves.toMatchObject({ id: session.id });
  });

  it('rejects a wrong API key and unknown objects in Stripe error shapes', async () => {
    const wrong = new Stripe('sk_test_wrong', { host: '127.0.0.1', port: Number(new URL(fake.url).port), protocol: 'http' });
    await expect(wrong.checkout.sessions.retrieve('cs_x')).rejects.toMatchObject({ type: 'StripeAuthenticationError' });
    await expect(stripe.checkout.sessions.retrieve('cs_missing')).rejects.toMatchObject({ code: 'resource_missing', statusCode: 404 });
  });
});

describe('FakeStripe in stateless mode (like stripe-mock)', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeAll(async () => {
    fake = new FakeStripe({ webhookSecret: WEBHOOK_SECRET, webhookUrl: 'http://127.0.0.1:9/unreachable', stateless: true });
    const url = new URL(await fake.start());
    stripe = new Stripe('sk_test_spec', { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
  });
  afterAll(() => fake.stop());

  const session = (campaignId: string) =>
    stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'units' } } }],
      metadata: { campaignId },
      success_url: 'http://localhost/ok',
    });

  it('hands out the same session and refund ids every time, reflecting metadata and amount, and stores nothing', async () => {
    const [a, b] = [await session('a'), await session('b')];
    expect([a.id, b.id]).toEqual([STATELESS_IDS.session, STATELESS_IDS.session]);
    expect([a.metadata, b.metadata]).toEqual([{ campaignId: 'a' }, { campaignId: 'b' }]);
    expect(await stripe.checkout.sessions.retrieve(a.id)).toMatchObject({ id: STATELESS_IDS.session, status: 'open', payment_intent: STATELESS_IDS.paymentIntent });
    // like stripe-mock, a retrieve answers the fixture, whose status a test may set, never our metadata
    fake.statelessSessionStatus = 'complete';
    expect(await stripe.checkout.sessions.retrieve(a.id)).toMatchObject({ id: STATELESS_IDS.session, status: 'complete', metadata: {} });
    fake.statelessSessionStatus = 'open';

    const refunds = [
      await stripe.refunds.create({ payment_intent: 'pi_one', amount: 700, metadata: { campaignId: 'a' } }, { idempotencyKey: 'refund-a' }),
      await stripe.refunds.create({ payment_intent: 'pi_two', amount: 300 }, { idempotencyKey: 'refund-b' }),
    ];
    expect(refunds.map((r) => [r.id, r.amount, r.payment_intent, r.charge])).toEqual([
      [STATELESS_IDS.refund, 700, 'pi_one', STATELESS_IDS.charge],
      [STATELESS_IDS.refund, 300, 'pi_two', STATELESS_IDS.charge],
    ]);
    expect(await stripe.charges.retrieve(STATELESS_IDS.charge)).toMatchObject({ id: STATELESS_IDS.charge, amount_refunded: 0 });
    expect(fake.sessions.size + fake.refunds.size + fake.events.length).toBe(0);
    expect(fake.callsTo('/v1/refunds').map((c) => c.idempotencyKey)).toEqual(['refund-a', 'refund-b']);
  });
});
