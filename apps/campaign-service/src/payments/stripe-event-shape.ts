import Stripe from 'stripe';
import { DomainError, ErrorCode } from '@app/domain';
import { hasLoneSurrogate, inputShape, MAX_INPUT_DEPTH } from '@app/platform';

interface FieldError {
  field: string;
  errors: string[];
}

type Check = (value: unknown) => string | null;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const string: Check = (v) => (typeof v === 'string' && v.length > 0 ? null : 'must be a non-empty string');
/** Stripe's ids and type names are short; every one the webhook stores or looks up must fit a btree entry. */
const MAX_STRIPE_ID = 255;
export const isIdentifier = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_STRIPE_ID;
const identifier: Check = (v) => (isIdentifier(v) ? null : `must be a string of 1 to ${MAX_STRIPE_ID} characters`);
const integer: Check = (v) => (Number.isSafeInteger(v) ? null : 'must be an integer');
const optionalMetadata: Check = (v) => (v === undefined || v === null || isObject(v) ? null : 'must be an object or null');
/** Stripe sends an id, or the expanded object, or null. */
const optionalReference: Check = (v) =>
  v === undefined || v === null || isIdentifier(v) || (isObject(v) && isIdentifier(v.id))
    ? null
    : `must be an id (1 to ${MAX_STRIPE_ID} characters), an object with such an id, or null`;

const SESSION = { id: identifier, metadata: optionalMetadata, payment_intent: optionalReference };
const PAID_SESSION = { ...SESSION, payment_status: string };
const CHARGE = { id: identifier, amount: integer, amount_refunded: integer, metadata: optionalMetadata, payment_intent: optionalReference };
const DISPUTE = { id: identifier, amount: integer, status: string, metadata: optionalMetadata, payment_intent: optionalReference };

/** A `\u0000` escape that is not itself an escaped backslash: PostgreSQL's jsonb refuses the character. */
const NUL_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u0000/;

/** What each event type the webhook applies reads from `data.object`; other types are stored only. */
const OBJECT_FIELDS: Record<string, Record<string, Check>> = {
  'checkout.session.completed': PAID_SESSION,
  'checkout.session.async_payment_succeeded': PAID_SESSION,
  'checkout.session.expired': SESSION,
  'checkout.session.async_payment_failed': SESSION,
  'charge.refunded': CHARGE,
  'charge.dispute.created': DISPUTE,
  'charge.dispute.closed': DISPUTE,
};

/**
 * Checks a verified event's shape before anything is stored: a string `id` and `type`, an object
 * `data.object`, and for the types the webhook applies, the fields it reads. A signed event is
 * trusted to come from Stripe, not to be well formed (a test tool or a stand-in can sign anything).
 *
 * A known type missing a field is refused (400 VALIDATION_FAILED) rather than accepted and
 * ignored: accepting would store its id, so a corrected redelivery under that id would be dropped
 * as a duplicate, and Stripe shows the refused delivery and retries it.
 */
export function assertWellFormedEvent(event: unknown): asserts event is Stripe.Event {
  const errors: FieldError[] = [];
  const check = (field: string, value: unknown, rule: Check) => {
    const error = rule(value);
    if (error) errors.push({ field, errors: [`${field} ${error}`] });
  };
  if (!isObject(event)) throw invalid([{ field: 'event', errors: ['the event must be a JSON object'] }]);
  // The whole payload is stored (jsonb): refuse what PostgreSQL would refuse, before it is asked.
  if (inputShape(event, { depth: MAX_INPUT_DEPTH, keys: Infinity }).depth > MAX_INPUT_DEPTH) throw invalid([{ field: 'event', errors: [`the event is nested deeper than ${MAX_INPUT_DEPTH} levels`] }]);
  if (NUL_ESCAPE.test(JSON.stringify(event))) throw invalid([{ field: 'event', errors: ['the event contains a NUL character (\\u0000)'] }]);
  if (holdsLoneSurrogate(event)) throw invalid([{ field: 'event', errors: ['the event contains a lone UTF-16 surrogate'] }]);
  check('id', event.id, identifier);
  check('type', event.type, identifier);
  const object = isObject(event.data) ? event.data.object : undefined;
  if (!isObject(object)) {
    errors.push({ field: 'data.object', errors: ['data.object must be an object'] });
  } else if (typeof event.type === 'string') {
    for (const [name, rule] of Object.entries(OBJECT_FIELDS[event.type] ?? {})) check(`data.object.${name}`, object[name], rule);
  }
  if (errors.length) throw invalid(errors);
}

/** jsonb refuses a lone surrogate anywhere, key or value (the depth is bounded before this runs). */
function holdsLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return hasLoneSurrogate(value);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, child]) => hasLoneSurrogate(key) || holdsLoneSurrogate(child));
}

function invalid(errors: FieldError[]): DomainError {
  return new DomainError(ErrorCode.ValidationFailed, `Malformed Stripe event: ${errors.map((e) => e.field).join(', ')}`, errors);
}
