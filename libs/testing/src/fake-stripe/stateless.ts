import { ApiError, int, unixNow } from './api-error';
import { FormObject } from './form';
import { StripeList, StripeObject } from './resources';

/** The ids every object of a kind gets in stateless mode, whatever was asked, as stripe-mock's fixtures. */
export const STATELESS_IDS = {
  session: 'cs_test_a1stateless',
  paymentIntent: 'pi_test_stateless',
  charge: 'ch_test_stateless',
  refund: 're_test_stateless',
} as const;

/** What the session fixture's `status` may be set to on retrieve. */
export type StatelessSessionStatus = 'open' | 'complete' | 'expired';

/**
 * Answers like stripe-mock: hard-coded fixtures, nothing stored, no events sent. A create
 * reflects the request's `metadata` (and a refund its `amount` and `payment_intent`); every
 * other field, the id first, is the fixture's, so every session, and every refund, is the same one.
 * A retrieved session reports `sessionStatus` (its metadata stays `{}`), whatever became of ours.
 */
export function statelessRoute(
  method: string,
  resource: string,
  id: string | undefined,
  action: string | undefined,
  params: FormObject,
  sessionStatus: StatelessSessionStatus = 'open',
): StripeObject | StripeList {
  const is = (m: string, r: string, withId: boolean, act?: string) => method === m && resource === r && Boolean(id) === withId && action === act;
  if (is('POST', 'checkout/sessions', false)) return { ...sessionFixture(), metadata: params.metadata ?? {} };
  if (is('GET', 'checkout/sessions', true)) return { ...sessionFixture(), status: sessionStatus, ...(sessionStatus === 'open' ? {} : { url: null }) };
  if (is('POST', 'checkout/sessions', true, 'expire')) return { ...sessionFixture(), status: 'expired', url: null };
  if (is('POST', 'refunds', false)) {
    return {
      ...refundFixture(),
      amount: params.amount === undefined ? 100 : int(params.amount, 'amount', 1),
      metadata: params.metadata ?? {},
      payment_intent: params.payment_intent ?? STATELESS_IDS.paymentIntent,
    };
  }
  if (is('GET', 'refunds', true)) return refundFixture();
  if (is('GET', 'refunds', false)) return { object: 'list', url: '/v1/refunds', has_more: false, data: [refundFixture()] };
  if (is('GET', 'charges', true)) return chargeFixture();
  if (is('GET', 'payment_intents', true)) return paymentIntentFixture();
  throw new ApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: /v1/${resource}${id ? `/${id}` : ''}).`);
}

function sessionFixture(): StripeObject {
  return {
    id: STATELESS_IDS.session,
    object: 'checkout.session',
    amount_total: 100,
    currency: 'usd',
    created: unixNow(),
    livemode: false,
    metadata: {},
    mode: 'payment',
    payment_intent: STATELESS_IDS.paymentIntent,
    payment_status: 'unpaid',
    status: 'open',
    url: `https://checkout.stripe.com/c/pay/${STATELESS_IDS.session}`,
  };
}

function refundFixture(): StripeObject {
  return {
    id: STATELESS_IDS.refund,
    object: 'refund',
    amount: 100,
    charge: STATELESS_IDS.charge,
    currency: 'usd',
    metadata: {},
    payment_intent: STATELESS_IDS.paymentIntent,
    reason: null,
    status: 'succeeded',
    created: unixNow(),
  };
}

function chargeFixture(): StripeObject {
  return {
    id: STATELESS_IDS.charge,
    object: 'charge',
    amount: 100,
    amount_captured: 100,
    amount_refunded: 0,
    captured: true,
    currency: 'usd',
    paid: true,
    refunded: false,
    disputed: false,
    status: 'succeeded',
    payment_intent: STATELESS_IDS.paymentIntent,
    metadata: {},
    created: unixNow(),
    livemode: false,
  };
}

function paymentIntentFixture(): StripeObject {
  return {
    id: STATELESS_IDS.paymentIntent,
    object: 'payment_intent',
    amount: 100,
    amount_received: 100,
    currency: 'usd',
    latest_charge: STATELESS_IDS.charge,
    metadata: {},
    status: 'succeeded',
    created: unixNow(),
    livemode: false,
  };
}
