import { createHash, randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { checkoutPage, paidPage } from './checkout-page';
import { FormObject, FormValue, parseStripeForm } from './form';

export interface FakeStripeOptions {
  /** 0 (default) picks a free port */
  port?: number;
  host?: string;
  /** when set, API calls must authenticate with exactly this key */
  secretKey?: string;
  webhookSecret: string;
  /** where events are POSTed, signed like Stripe does */
  webhookUrl?: string;
  /** send each event to webhookUrl as it happens (default true); tests may deliver by hand instead */
  autoDeliver?: boolean;
}

export interface RecordedCall {
  method: string;
  path: string;
  params: FormObject;
  idempotencyKey: string | null;
  status: number;
  replayed: boolean;
}

export interface Delivery {
  eventId: string;
  status: number;
}

type StripeObject = Record<string, unknown> & { id: string };

/** An API error in Stripe's shape: `{error: {type, message, code?, param?}}`. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

interface StoredResponse {
  fingerprint: string;
  status: number;
  body: unknown;
}

const newId = (prefix: string) => `${prefix}_test_${randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

/**
 * A small stateful stand-in for the parts of the Stripe API the platform uses: Checkout
 * Sessions (create, retrieve, expire), refunds, charges and payment intents, with Stripe's
 * object shapes, error types and Idempotency-Key semantics (same key and parameters →
 * the stored response again; same key, other parameters → 400 idempotency_error).
 * It signs and sends webhook events with the SDK's `generateTestHeaderString`, serves a
 * checkout page with a "Pay" button, and has test controls (fail the next N calls,
 * pay, dispute, deliver an event, list calls) both as methods and under `/_fake/`.
 */
export class FakeStripe {
  readonly sessions = new Map<string, StripeObject>();
  readonly charges = new Map<string, StripeObject>();
  readonly paymentIntents = new Map<string, StripeObject>();
  readonly refunds = new Map<string, StripeObject>();
  readonly disputes = new Map<string, StripeObject>();
  readonly events: StripeObject[] = [];
  readonly calls: RecordedCall[] = [];
  readonly deliveries: Delivery[] = [];
  private readonly idempotency = new Map<string, StoredResponse>();
  private readonly failures: { pathPrefix: string; remaining: number; status: number }[] = [];
  private readonly signer = new Stripe('sk_test_signer_only').webhooks;
  private readonly pendingDeliveries = new Set<Promise<unknown>>();
  private server?: Server;
  private baseUrl = '';

  constructor(private readonly options: FakeStripeOptions) {}

  get url(): string {
    return this.baseUrl;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.pendingDeliveries]);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  setWebhookUrl(url: string | undefined): void {
    this.options.webhookUrl = url;
  }

  /** The next `count` API calls whose path starts with `pathPrefix` answer `status` (an api_error), not stored under their Idempotency-Key. */
  failNext(pathPrefix: string, count: number, status = 500): void {
    this.failures.push({ pathPrefix, remaining: count, status });
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  callsTo(pathPrefix: string, method = 'POST'): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && c.path.startsWith(pathPrefix));
  }

  // ---- what a customer or Stripe itself does -------------------------------------------------

  /** The customer pays an open session: payment intent + charge, then `checkout.session.completed`. */
  async pay(sessionId: string, opts: { deliver?: boolean } = {}): Promise<StripeObject> {
    const session = this.mustFind(this.sessions, sessionId, 'checkout.session');
    if (session.status !== 'open') throw new ApiError(400, 'invalid_request_error', `This Checkout Session is ${session.status}.`);
    const metadata = (session.payment_intent_data as { metadata?: Record<string, string> } | undefined)?.metadata ?? {};
    const intent: StripeObject = {
      id: newId('pi'),
      object: 'payment_intent',
      amount: session.amount_total,
      amount_received: session.amount_total,
      currency: session.currency,
      status: 'succeeded',
      metadata,
      created: now(),
      livemode: false,
    };
    const charge: StripeObject = {
      id: newId('ch'),
      object: 'charge',
      amount: session.amount_total,
      amount_captured: session.amount_total,
      amount_refunded: 0,
      captured: true,
      currency: session.currency,
      paid: true,
      refunded: false,
      disputed: false,
      status: 'succeeded',
      payment_intent: intent.id,
      metadata,
      created: now(),
      livemode: false,
    };
    intent.latest_charge = charge.id;
    this.paymentIntents.set(intent.id, intent);
    this.charges.set(charge.id, charge);
    Object.assign(session, { status: 'complete', payment_status: 'paid', payment_intent: intent.id });
    return this.emit('checkout.session.completed', session, opts.deliver);
  }

  /** A dispute opens on a charge: `charge.dispute.created`. */
  async dispute(chargeId: string, opts: { deliver?: boolean } = {}): Promise<{ dispute: StripeObject; event: StripeObject }> {
    const charge = this.mustFind(this.charges, chargeId, 'charge');
    const dispute: StripeObject = {
      id: newId('dp'),
      object: 'dispute',
      amount: charge.amount,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      reason: 'fraudulent',
      status: 'needs_response',
      metadata: {},
      created: now(),
      livemode: false,
    };
    charge.disputed = true;
    this.disputes.set(dispute.id, dispute);
    return { dispute, event: await this.emit('charge.dispute.created', dispute, opts.deliver) };
  }

  /** The dispute is decided: `charge.dispute.closed` with status won or lost. */
  async closeDispute(disputeId: string, status: 'won' | 'lost', opts: { deliver?: boolean } = {}): Promise<StripeObject> {
    const dispute = this.mustFind(this.disputes, disputeId, 'dispute');
    dispute.status = status;
    return this.emit('charge.dispute.closed', dispute, opts.deliver);
  }

  /** Checkout's 24-hour timer runs out: `checkout.session.expired`. */
  async expireSession(sessionId: string, opts: { deliver?: boolean } = {}): Promise<StripeObject> {
    const session = this.mustFind(this.sessions, sessionId, 'checkout.session');
    if (session.status !== 'open') throw new ApiError(400, 'invalid_request_error', `This Checkout Session is ${session.status}.`);
    Object.assign(session, { status: 'expired', url: null });
    return this.emit('checkout.session.expired', session, opts.deliver);
  }

  /** The raw body and `Stripe-Signature` header Stripe would send for an event. */
  signed(event: StripeObject, opts: { timestamp?: number; secret?: string } = {}): { payload: string; header: string } {
    const payload = JSON.stringify(event, null, 2);
    const header = this.signer.generateTestHeaderString({
      payload,
      secret: opts.secret ?? this.options.webhookSecret,
      timestamp: opts.timestamp,
    });
    return { payload, header };
  }

  /** POSTs an event (again) to the webhook URL; returns the HTTP status the platform answered. */
  async deliver(eventId: string): Promise<number> {
    const event = this.events.find((e) => e.id === eventId);
    if (!event) throw new ApiError(404, 'invalid_request_error', `No such event: '${eventId}'`, 'resource_missing');
    if (!this.options.webhookUrl) throw new Error('FakeStripe: no webhook URL configured');
    const { payload, header } = this.signed(event);
    const attempt = fetch(this.options.webhookUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'Stripe-Signature': header, 'User-Agent': 'Stripe/1.0' },
      body: payload,
    }).then(
      async (res) => {
        await res.arrayBuffer();
        return res.status;
      },
      () => 0,
    );
    this.pendingDeliveries.add(attempt);
    const status = await attempt.finally(() => this.pendingDeliveries.delete(attempt));
    this.deliveries.push({ eventId, status });
    return status;
  }

  private async emit(type: string, object: StripeObject, deliver?: boolean): Promise<StripeObject> {
    const event: StripeObject = {
      id: newId('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: now(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: this.options.webhookUrl ? 1 : 0,
      request: { id: null, idempotency_key: null },
      type,
    };
    this.events.push(event);
    if (deliver ?? (this.options.autoDeliver ?? true)) {
      if (this.options.webhookUrl) await this.deliver(event.id);
    }
    return event;
  }

  // ---- the HTTP API --------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    try {
      if (path.startsWith('/v1/')) return this.api(req, res, path, body);
      if (path.startsWith('/checkout/')) return await this.checkout(req, res, path);
      if (path.startsWith('/_fake/')) return await this.control(req, res, path, body);
      throw new ApiError(404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${path}).`);
    } catch (error) {
      this.sendError(res, error);
    }
  }

  private api(req: IncomingMessage, res: ServerResponse, path: string, body: string): void {
    const method = req.method ?? 'GET';
    const params = parseStripeForm(method === 'GET' ? (req.url ?? '').split('?')[1] ?? '' : body);
    const idempotencyKey = header(req, 'idempotency-key');
    const call: RecordedCall = { method, path, params, idempotencyKey, status: 0, replayed: false };
    this.calls.push(call);
    const reply = (status: number, payload: unknown, extra: Record<string, string> = {}) => {
      call.status = status;
      res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': newId('req'), ...extra });
      res.end(JSON.stringify(payload));
    };

    const key = apiKey(header(req, 'authorization'));
    if (!key || (this.options.secretKey && key !== this.options.secretKey)) {
      return reply(401, errorBody(new ApiError(401, 'invalid_request_error', `Invalid API Key provided: ${key ?? '(none)'}`)));
    }
    const failure = this.failures.find((f) => f.remaining > 0 && path.startsWith(f.pathPrefix));
    if (failure) {
      failure.remaining--;
      // An outage in front of the API: nothing ran, so nothing is stored under the idempotency key.
      return reply(failure.status, errorBody(new ApiError(failure.status, 'api_error', 'Something went wrong on our end (injected by the fake).')), {
        'Stripe-Should-Retry': 'true',
      });
    }

    const fingerprint = createHash('sha256').update(`${method} ${path} ${JSON.stringify(params)}`).digest('hex');
    const stored = method === 'POST' && idempotencyKey ? this.idempotency.get(idempotencyKey) : undefined;
    if (stored) {
      if (stored.fingerprint !== fingerprint) {
        return reply(
          400,
          errorBody(
            new ApiError(
              400,
              'idempotency_error',
              `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            ),
          ),
        );
      }
      call.replayed = true;
      return reply(stored.status, stored.body, { 'Idempotent-Replayed': 'true', 'Original-Request': newId('req') });
    }

    let status = 200;
    let payload: unknown;
    try {
      payload = this.route(method, path, params);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      status = error.status;
      payload = errorBody(error);
    }
    if (method === 'POST' && idempotencyKey) this.idempotency.set(idempotencyKey, { fingerprint, status, body: payload });
    reply(status, payload);
  }

  private route(method: string, path: string, params: FormObject): unknown {
    const parts = path.split('/').filter(Boolean).slice(1);
    const [resource, id, action] = parts[0] === 'checkout' ? [`checkout/${parts[1]}`, parts[2], parts[3]] : parts;
    if (resource === 'checkout/sessions') {
      if (method === 'POST' && !id) return this.createSession(params);
      if (method === 'GET' && id && !action) return this.mustFind(this.sessions, id, 'checkout.session');
      if (method === 'POST' && id && action === 'expire') {
        const session = this.mustFind(this.sessions, id, 'checkout.session');
        if (session.status !== 'open') {
          throw new ApiError(400, 'invalid_request_error', `Only Checkout Sessions with a status in ["open"] can be expired.`);
        }
        // The session expires now; its event is sent after the response, as Stripe does.
        void this.expireSession(id);
        return session;
      }
    }
    if (resource === 'refunds') {
      if (method === 'POST' && !id) return this.createRefund(params);
      if (method === 'GET' && id) return this.mustFind(this.refunds, id, 'refund');
    }
    if (resource === 'charges' && method === 'GET' && id) return this.mustFind(this.charges, id, 'charge');
    if (resource === 'payment_intents' && method === 'GET' && id) return this.mustFind(this.paymentIntents, id, 'payment_intent');
    if (resource === 'events' && method === 'GET' && id) {
      const event = this.events.find((e) => e.id === id);
      if (!event) throw new ApiError(404, 'invalid_request_error', `No such event: '${id}'`, 'resource_missing', 'id');
      return event;
    }
    throw new ApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
  }

  private createSession(params: FormObject): StripeObject {
    if (params.mode !== 'payment') throw new ApiError(400, 'invalid_request_error', 'Only mode=payment is supported by the fake.', 'parameter_invalid', 'mode');
    const successUrl = str(params.success_url, 'success_url');
    const items = params.line_items;
    if (!Array.isArray(items) || !items.length) throw new ApiError(400, 'invalid_request_error', 'Missing required param: line_items.', 'parameter_missing', 'line_items');
    let currency = '';
    let total = 0;
    const lineItems = items.map((raw, index) => {
      const item = raw as FormObject;
      const priceData = (item.price_data ?? {}) as FormObject;
      const quantity = int(item.quantity, `line_items[${index}][quantity]`, 1);
      const unitAmount = int(priceData.unit_amount, `line_items[${index}][price_data][unit_amount]`, 0);
      currency = str(priceData.currency, `line_items[${index}][price_data][currency]`);
      const name = str((priceData.product_data as FormObject | undefined)?.name, `line_items[${index}][price_data][product_data][name]`);
      total += quantity * unitAmount;
      return { object: 'item', description: name, quantity, amount_total: quantity * unitAmount, currency, price: { unit_amount: unitAmount } };
    });
    const id = newId('cs');
    const session: StripeObject = {
      id,
      object: 'checkout.session',
      amount_subtotal: total,
      amount_total: total,
      cancel_url: params.cancel_url ?? null,
      client_reference_id: params.client_reference_id ?? null,
      created: now(),
      currency,
      expires_at: now() + 24 * 3600,
      line_items: { object: 'list', data: lineItems, has_more: false },
      livemode: false,
      metadata: params.metadata ?? {},
      mode: 'payment',
      payment_intent: null,
      payment_intent_data: params.payment_intent_data ?? {},
      payment_status: 'unpaid',
      status: 'open',
      success_url: successUrl,
      url: `${this.baseUrl}/checkout/${id}`,
    };
    this.sessions.set(id, session);
    return session;
  }

  private createRefund(params: FormObject): StripeObject {
    const chargeId = params.charge
      ? String(params.charge)
      : (this.mustFind(this.paymentIntents, str(params.payment_intent, 'payment_intent'), 'payment_intent').latest_charge as string);
    const charge = this.mustFind(this.charges, chargeId, 'charge');
    const remaining = (charge.amount as number) - (charge.amount_refunded as number);
    if (remaining <= 0) throw new ApiError(400, 'invalid_request_error', `Charge ${charge.id} has already been refunded.`, 'charge_already_refunded');
    const amount = params.amount === undefined ? remaining : int(params.amount, 'amount', 1);
    if (amount > remaining) {
      throw new ApiError(400, 'invalid_request_error', `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, 'amount_too_large', 'amount');
    }
    const refund: StripeObject = {
      id: newId('re'),
      object: 'refund',
      amount,
      charge: charge.id,
      currency: charge.currency,
      metadata: params.metadata ?? {},
      payment_intent: charge.payment_intent,
      reason: params.reason ?? null,
      status: 'succeeded',
      created: now(),
    };
    this.refunds.set(refund.id, refund);
    charge.amount_refunded = (charge.amount_refunded as number) + amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    void this.emit('charge.refunded', charge);
    return refund;
  }

  // ---- the checkout page and test controls ---------------------------------------------------

  private async checkout(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const [, , id, action] = path.split('/');
    const session = this.mustFind(this.sessions, id, 'checkout.session');
    if (req.method === 'POST' && action === 'pay') {
      await this.pay(id);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return void res.end(paidPage(session));
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(checkoutPage(session));
  }

  private async control(req: IncomingMessage, res: ServerResponse, path: string, body: string): Promise<void> {
    const input = (body ? JSON.parse(body) : {}) as Record<string, unknown>;
    const [, , resource, id, action] = path.split('/');
    const send = (payload: unknown) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const deliver = input.deliver === undefined ? undefined : Boolean(input.deliver);
    if (req.method === 'GET' && resource === 'calls') return send({ data: this.calls });
    if (req.method === 'GET' && resource === 'events') return send({ data: this.events });
    if (req.method === 'POST' && resource === 'fail') {
      this.failNext(String(input.pathPrefix ?? '/v1/'), Number(input.count ?? 1), Number(input.status ?? 500));
      return send({ ok: true });
    }
    if (req.method === 'POST' && resource === 'events' && action === 'deliver') return send({ status: await this.deliver(id) });
    if (req.method === 'POST' && resource === 'sessions' && action === 'pay') return send(await this.pay(id, { deliver }));
    if (req.method === 'POST' && resource === 'sessions' && action === 'expire') return send(await this.expireSession(id, { deliver }));
    if (req.method === 'POST' && resource === 'charges' && action === 'dispute') return send(await this.dispute(id, { deliver }));
    if (req.method === 'POST' && resource === 'disputes' && action === 'close') {
      return send(await this.closeDispute(id, input.status === 'lost' ? 'lost' : 'won', { deliver }));
    }
    throw new ApiError(404, 'invalid_request_error', `Unknown fake control ${req.method} ${path}`);
  }

  private mustFind(map: Map<string, StripeObject>, id: string | undefined, type: string): StripeObject {
    const found = id ? map.get(id) : undefined;
    if (!found) throw new ApiError(404, 'invalid_request_error', `No such ${type}: '${id}'`, 'resource_missing', 'id');
    return found;
  }

  private sendError(res: ServerResponse, error: unknown): void {
    const apiError = error instanceof ApiError ? error : new ApiError(500, 'api_error', (error as Error).message);
    res.writeHead(apiError.status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(errorBody(apiError)));
  }
}

function errorBody(error: ApiError): { error: Record<string, string> } {
  const body: Record<string, string> = { type: error.type, message: error.message };
  if (error.code) body.code = error.code;
  if (error.param) body.param = error.param;
  return { error: body };
}

/** Stripe takes the secret key as a Bearer token or as the Basic-auth user name (`curl -u sk_…:`). */
function apiKey(authorization: string | null): string | null {
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7);
  if (authorization?.startsWith('Basic ')) return Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':')[0] || null;
  return null;
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

function str(value: FormValue | undefined, param: string): string {
  if (typeof value !== 'string' || !value) throw new ApiError(400, 'invalid_request_error', `Missing required param: ${param}.`, 'parameter_missing', param);
  return value;
}

function int(value: FormValue | undefined, param: string, min: number): number {
  const n = Number(str(value, param));
  if (!Number.isInteger(n) || n < min) throw new ApiError(400, 'invalid_request_error', `Invalid integer: ${String(value)}`, 'parameter_invalid_integer', param);
  return n;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
