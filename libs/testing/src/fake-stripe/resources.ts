import { ApiError, int, newId, str, unixNow } from './api-error';
import { FormObject } from './form';

export type StripeObject = Record<string, unknown> & { id: string };
/** A page of a list, as Stripe answers a list request. */
export type StripeList = { object: 'list'; url: string; has_more: boolean; data: StripeObject[] };

/**
 * The fake's objects, in Stripe's shapes: Checkout Sessions, payment intents, charges,
 * refunds and disputes. Methods change state and return the object an event would carry;
 * emitting and delivering events is the server's job.
 */
export class StripeResources {
  readonly sessions = new Map<string, StripeObject>();
  readonly charges = new Map<string, StripeObject>();
  readonly paymentIntents = new Map<string, StripeObject>();
  readonly refunds = new Map<string, StripeObject>();
  readonly disputes = new Map<string, StripeObject>();

  createSession(params: FormObject, checkoutBaseUrl: string): StripeObject {
    if (params.mode !== 'payment') throw ApiError.invalid('Only mode=payment is supported by the fake.', 'parameter_invalid', 'mode');
    const successUrl = str(params.success_url, 'success_url');
    const items = params.line_items;
    if (!Array.isArray(items) || !items.length) throw ApiError.invalid('Missing required param: line_items.', 'parameter_missing', 'line_items');
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
      created: unixNow(),
      currency,
      expires_at: unixNow() + 24 * 3600,
      line_items: { object: 'list', data: lineItems, has_more: false },
      livemode: false,
      metadata: params.metadata ?? {},
      mode: 'payment',
      payment_intent: null,
      payment_intent_data: params.payment_intent_data ?? {},
      payment_status: 'unpaid',
      status: 'open',
      success_url: successUrl,
      url: `${checkoutBaseUrl}/checkout/${id}`,
    };
    this.sessions.set(id, session);
    return session;
  }

  /**
   * The customer pays an open session. A card succeeds at once (`paid`); a delayed method
   * (`async`) completes the session `unpaid` until {@link settleAsync} decides it.
   */
  pay(sessionId: string, mode: 'card' | 'async'): StripeObject {
    const session = this.open(sessionId);
    const metadata = (session.payment_intent_data as { metadata?: Record<string, string> } | undefined)?.metadata ?? {};
    const intent: StripeObject = {
      id: newId('pi'),
      object: 'payment_intent',
      amount: session.amount_total,
      amount_received: mode === 'card' ? session.amount_total : 0,
      currency: session.currency,
      status: mode === 'card' ? 'succeeded' : 'processing',
      metadata,
      created: unixNow(),
      livemode: false,
    };
    this.paymentIntents.set(intent.id, intent);
    Object.assign(session, { status: 'complete', payment_status: mode === 'card' ? 'paid' : 'unpaid', payment_intent: intent.id });
    if (mode === 'card') this.charge(intent);
    return session;
  }

  /** A delayed payment succeeds (charge created, session paid) or fails. */
  settleAsync(sessionId: string, outcome: 'succeeded' | 'failed'): StripeObject {
    const session = this.find(this.sessions, sessionId, 'checkout.session');
    const intent = this.find(this.paymentIntents, session.payment_intent as string, 'payment_intent');
    if (intent.status !== 'processing') throw ApiError.invalid(`This PaymentIntent is ${intent.status}.`);
    if (outcome === 'succeeded') {
      Object.assign(intent, { status: 'succeeded', amount_received: intent.amount });
      this.charge(intent);
      session.payment_status = 'paid';
    } else {
      intent.status = 'requires_payment_method';
    }
    return session;
  }

  expire(sessionId: string): StripeObject {
    return Object.assign(this.open(sessionId), { status: 'expired', url: null });
  }

  createRefund(params: FormObject): { refund: StripeObject; charge: StripeObject } {
    const chargeId = params.charge
      ? String(params.charge)
      : (this.find(this.paymentIntents, str(params.payment_intent, 'payment_intent'), 'payment_intent').latest_charge as string);
    const charge = this.find(this.charges, chargeId, 'charge');
    // As Stripe: a charged-back payment cannot be refunded, unless the merchant won the dispute.
    if ([...this.disputes.values()].some((d) => d.charge === charge.id && d.status !== 'won')) {
      throw ApiError.invalid(`Charge ${charge.id} has been charged back; cannot issue a refund.`, 'charge_disputed');
    }
    const remaining = (charge.amount as number) - (charge.amount_refunded as number);
    if (remaining <= 0) throw ApiError.invalid(`Charge ${charge.id} has already been refunded.`, 'charge_already_refunded');
    const amount = params.amount === undefined ? remaining : int(params.amount, 'amount', 1);
    if (amount > remaining) {
      throw ApiError.invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, 'amount_too_large', 'amount');
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
      created: unixNow(),
    };
    this.refunds.set(refund.id, refund);
    charge.amount_refunded = (charge.amount_refunded as number) + amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    return { refund, charge };
  }

  openDispute(chargeId: string): StripeObject {
    const charge = this.find(this.charges, chargeId, 'charge');
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
      created: unixNow(),
      livemode: false,
    };
    charge.disputed = true;
    this.disputes.set(dispute.id, dispute);
    return dispute;
  }

  closeDispute(disputeId: string, status: 'won' | 'lost'): StripeObject {
    return Object.assign(this.find(this.disputes, disputeId, 'dispute'), { status });
  }

  find(map: Map<string, StripeObject>, id: string | undefined, type: string): StripeObject {
    const found = id ? map.get(id) : undefined;
    if (!found) throw new ApiError(404, 'invalid_request_error', `No such ${type}: '${id}'`, 'resource_missing', 'id');
    return found;
  }

  private open(sessionId: string): StripeObject {
    const session = this.find(this.sessions, sessionId, 'checkout.session');
    if (session.status !== 'open') throw ApiError.invalid(`This Checkout Session is ${session.status}; only open sessions can be paid or expired.`);
    return session;
  }

  /** The charge behind a succeeded payment intent; it carries the intent's metadata, as Stripe copies it. */
  private charge(intent: StripeObject): void {
    const charge: StripeObject = {
      id: newId('ch'),
      object: 'charge',
      amount: intent.amount,
      amount_captured: intent.amount,
      amount_refunded: 0,
      captured: true,
      currency: intent.currency,
      paid: true,
      refunded: false,
      disputed: false,
      status: 'succeeded',
      payment_intent: intent.id,
      metadata: intent.metadata,
      created: unixNow(),
      livemode: false,
    };
    intent.latest_charge = charge.id;
    this.charges.set(charge.id, charge);
  }
}
