import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { ApiError, newId, unixNow } from './api-error';
import { checkoutPage, paidPage } from './checkout-page';
import { FormObject, parseStripeForm } from './form';
import { StripeObject, StripeResources } from './resources';
import { StatelessSessionStatus, statelessRoute } from './stateless';

export type { StripeObject } from './resources';
export { STATELESS_IDS } from './stateless';
export type { StatelessSessionStatus } from './stateless';

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
  /**
   * Answer the API like stripe-mock (default false): fixtures with the same ids every time (one
   * session, one payment intent, one refund), no objects kept, no events; see `statelessRoute`.
   */
  stateless?: boolean;
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

interface DeliverOption {
  /** override autoDeliver for this event */
  deliver?: boolean;
}

interface StoredResponse {
  fingerprint: string;
  status: number;
  body: unknown;
}

/**
 * A small stateful stand-in for the parts of the Stripe API the platform uses: Checkout
 * Sessions (create, retrieve, expire), refunds, charges, payment intents and events, with
 * Stripe's object shapes, error types and Idempotency-Key semantics (same key and parameters →
 * the stored response again; same key, other parameters → 400 idempotency_error).
 * It signs and sends webhook events with the SDK's `generateTestHeaderString`, serves a
 * checkout page with a "Pay" button, and has test controls (fail the next N calls, pay,
 * dispute, deliver an event, list calls) both as methods and under `/_fake/`.
 */
export class FakeStripe extends StripeResources {
  readonly events: StripeObject[] = [];
  readonly calls: RecordedCall[] = [];
  readonly deliveries: Delivery[] = [];
  private readonly idempotency = new Map<string, StoredResponse>();
  private readonly failures: { pathPrefix: string; remaining: number; status: number }[] = [];
  private readonly signer = new Stripe('sk_test_signer_only').webhooks;
  private readonly inFlight = new Set<Promise<unknown>>();
  private server?: Server;
  private baseUrl = '';

  /**
   * Stateless mode only: the `status` of the session fixture every retrieve answers. stripe-mock's
   * fixture says nothing about the session asked for; a test sets this to show that.
   */
  statelessSessionStatus: StatelessSessionStatus = 'open';

  constructor(private readonly options: FakeStripeOptions) {
    super();
  }

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
    await Promise.allSettled([...this.inFlight]);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  setWebhookUrl(url: string | undefined): void {
    this.options.webhookUrl = url;
  }

  /** The next `count` API calls whose path starts with `pathPrefix` answer `status` (an api_error), not stored under their Idempotency-Key. */
  failNext(pathPrefix: string, count: number, status = 500): void {
    this.failures.push({ pathPrefix, remaining: count, status });
  }

  /** Stripe keeps an idempotency key for a day: forgets every key, as a day later. */
  forgetIdempotencyKeys(): void {
    this.idempotency.clear();
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  callsTo(pathPrefix: string, method = 'POST'): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && c.path.startsWith(pathPrefix));
  }

  // ---- what a customer or Stripe itself does, each with its event --------------------------

  /** The customer pays by card: payment intent + charge, then `checkout.session.completed` (paid). */
  async paySession(sessionId: string, opts: DeliverOption = {}): Promise<StripeObject> {
    return this.emit('checkout.session.completed', this.pay(sessionId, 'card'), opts.deliver);
  }

  /** The customer picks a delayed method: `checkout.session.completed` with payment_status unpaid. */
  async payAsync(sessionId: string, opts: DeliverOption = {}): Promise<StripeObject> {
    return this.emit('checkout.session.completed', this.pay(sessionId, 'async'), opts.deliver);
  }

  /** The delayed payment settles: `checkout.session.async_payment_succeeded` or `_failed`. */
  async settle(sessionId: string, outcome: 'succeeded' | 'failed', opts: DeliverOption = {}): Promise<StripeObject> {
    return this.emit(`checkout.session.async_payment_${outcome}`, this.settleAsync(sessionId, outcome), opts.deliver);
  }

  /** Checkout's 24-hour timer runs out: `checkout.session.expired`. */
  async expireSession(sessionId: string, opts: DeliverOption = {}): Promise<StripeObject> {
    return this.emit('checkout.session.expired', this.expire(sessionId), opts.deliver);
  }

  /** A dispute opens on a charge: `charge.dispute.created`. */
  async dispute(chargeId: string, opts: DeliverOption = {}): Promise<{ dispute: StripeObject; event: StripeObject }> {
    const dispute = this.openDispute(chargeId);
    return { dispute, event: await this.emit('charge.dispute.created', dispute, opts.deliver) };
  }

  /** The dispute is decided: `charge.dispute.closed` with status won or lost. */
  async resolveDispute(disputeId: string, status: 'won' | 'lost', opts: DeliverOption = {}): Promise<StripeObject> {
    return this.emit('charge.dispute.closed', this.closeDispute(disputeId, status), opts.deliver);
  }

  /** The raw body and `Stripe-Signature` header Stripe would send for an event. */
  signed(event: StripeObject, opts: { timestamp?: number; secret?: string } = {}): { payload: string; header: string } {
    const payload = JSON.stringify(event, null, 2);
    const header = this.signer.generateTestHeaderString({ payload, secret: opts.secret ?? this.options.webhookSecret, timestamp: opts.timestamp });
    return { payload, header };
  }

  /** POSTs an event (again) to the webhook URL; returns the HTTP status the platform answered (0: unreachable). */
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
    this.inFlight.add(attempt);
    const status = await attempt.finally(() => this.inFlight.delete(attempt));
    this.deliveries.push({ eventId, status });
    return status;
  }

  private async emit(type: string, object: StripeObject, deliver?: boolean): Promise<StripeObject> {
    const event: StripeObject = {
      id: newId('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: unixNow(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: this.options.webhookUrl ? 1 : 0,
      request: { id: null, idempotency_key: null },
      type,
    };
    this.events.push(event);
    if ((deliver ?? this.options.autoDeliver ?? true) && this.options.webhookUrl) await this.deliver(event.id);
    return event;
  }

  /** Sends an event after the API response, as Stripe does; delivery failures are recorded, not thrown. */
  private emitLater(type: string, object: StripeObject): void {
    const sending = this.emit(type, object).catch(() => undefined);
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  // ---- HTTP: the API, the checkout page and the test controls -------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    try {
      if (path.startsWith('/v1/')) return this.api(req, res, path, body);
      if (path.startsWith('/checkout/')) return await this.checkout(req, res, path);
      if (path.startsWith('/_fake/')) return await this.control(req, res, path, body);
      throw new ApiError(404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${path}).`);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError(500, 'api_error', (error as Error).message);
      res.writeHead(apiError.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(apiError.body));
    }
  }

  private api(req: IncomingMessage, res: ServerResponse, path: string, body: string): void {
    const method = req.method ?? 'GET';
    const params = parseStripeForm(method === 'GET' ? ((req.url ?? '').split('?')[1] ?? '') : body);
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
      return reply(401, new ApiError(401, 'invalid_request_error', `Invalid API Key provided: ${key ?? '(none)'}`).body);
    }
    const failure = this.failures.find((f) => f.remaining > 0 && path.startsWith(f.pathPrefix));
    if (failure) {
      failure.remaining--;
      // An outage in front of the API: nothing ran, so nothing is stored under the idempotency key.
      const error = new ApiError(failure.status, 'api_error', 'Something went wrong on our end (injected by the fake).');
      return reply(failure.status, error.body, { 'Stripe-Should-Retry': 'true' });
    }

    const fingerprint = createHash('sha256').update(`${method} ${path} ${JSON.stringify(params)}`).digest('hex');
    const stored = method === 'POST' && idempotencyKey ? this.idempotency.get(idempotencyKey) : undefined;
    if (stored && stored.fingerprint !== fingerprint) {
      const message = `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`;
      return reply(400, new ApiError(400, 'idempotency_error', message).body);
    }
    if (stored) {
      call.replayed = true;
      return reply(stored.status, stored.body, { 'Idempotent-Replayed': 'true' });
    }

    let status = 200;
    let payload: unknown;
    try {
      payload = this.route(method, path, params);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      status = error.status;
      payload = error.body;
    }
    if (method === 'POST' && idempotencyKey) this.idempotency.set(idempotencyKey, { fingerprint, status, body: payload });
    reply(status, payload);
  }

  private route(method: string, path: string, params: FormObject): unknown {
    const parts = path.split('/').filter(Boolean).slice(1);
    const [resource, id, action] = parts[0] === 'checkout' ? [`checkout/${parts[1]}`, parts[2], parts[3]] : parts;
    if (this.options.stateless) return statelessRoute(method, resource, id, action, params, this.statelessSessionStatus);
    const is = (m: string, r: string, withId: boolean, act?: string) => method === m && resource === r && Boolean(id) === withId && action === act;
    if (is('POST', 'checkout/sessions', false)) return this.createSession(params, this.baseUrl);
    if (is('GET', 'checkout/sessions', true)) return this.find(this.sessions, id, 'checkout.session');
    if (is('POST', 'checkout/sessions', true, 'expire')) {
      const session = this.expire(id);
      this.emitLater('checkout.session.expired', session);
      return session;
    }
    if (is('POST', 'refunds', false)) {
      const { refund, charge } = this.createRefund(params);
      this.emitLater('charge.refunded', charge);
      return refund;
    }
    if (is('GET', 'refunds', true)) return this.find(this.refunds, id, 'refund');
    if (is('GET', 'refunds', false)) {
      // Newest first, as Stripe lists; one page is all a test needs.
      const data = [...this.refunds.values()].filter((r) => !params.payment_intent || r.payment_intent === params.payment_intent).reverse();
      return { object: 'list', url: '/v1/refunds', has_more: false, data };
    }
    if (is('GET', 'charges', true)) return this.find(this.charges, id, 'charge');
    if (is('GET', 'payment_intents', true)) return this.find(this.paymentIntents, id, 'payment_intent');
    if (is('GET', 'events', true)) {
      const event = this.events.find((e) => e.id === id);
      if (!event) throw new ApiError(404, 'invalid_request_error', `No such event: '${id}'`, 'resource_missing', 'id');
      return event;
    }
    throw new ApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
  }

  private async checkout(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const [, , id, action] = path.split('/');
    const session = this.find(this.sessions, id, 'checkout.session');
    if (req.method === 'POST' && action === 'pay') await this.paySession(id);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(req.method === 'POST' && action === 'pay' ? paidPage(session) : checkoutPage(session));
  }

  private async control(req: IncomingMessage, res: ServerResponse, path: string, body: string): Promise<void> {
    const input = (body ? JSON.parse(body) : {}) as Record<string, unknown>;
    const [, , resource, id, action] = path.split('/');
    const opts = { deliver: input.deliver === undefined ? undefined : Boolean(input.deliver) };
    const route = `${req.method} ${resource}${action ? `/${action}` : ''}`;
    const result: Record<string, () => unknown> = {
      'GET calls': () => ({ data: this.calls }),
      'GET events': () => ({ data: this.events }),
      'POST fail': () => this.failNext(String(input.pathPrefix ?? '/v1/'), Number(input.count ?? 1), Number(input.status ?? 500)),
      'DELETE fail': () => this.clearFailures(),
      'POST events/deliver': async () => ({ status: await this.deliver(id) }),
      'POST sessions/pay': () => this.paySession(id, opts),
      'POST sessions/expire': () => this.expireSession(id, opts),
      'POST charges/dispute': () => this.dispute(id, opts),
      'POST disputes/close': () => this.resolveDispute(id, input.status === 'lost' ? 'lost' : 'won', opts),
    };
    if (!result[route]) throw new ApiError(404, 'invalid_request_error', `Unknown fake control ${req.method} ${path}`);
    const payload = (await result[route]()) ?? { ok: true };
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(payload));
  }
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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
