import { DomainError, ErrorCode } from '@app/domain';
import { assertWellFormedEvent } from './stripe-event-shape';

function fieldsOf(event: unknown): string[] {
  try {
    assertWellFormedEvent(event);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(ErrorCode.ValidationFailed);
    return ((error as DomainError).details as { field: string }[]).map((d) => d.field);
  }
}

const session = { id: 'cs_1', payment_status: 'paid', metadata: { fundingId: 'f' }, payment_intent: 'pi_1' };
const charge = { id: 'ch_1', amount: 1100, amount_refunded: 400, metadata: {}, payment_intent: { id: 'pi_1' } };
const dispute = { id: 'dp_1', amount: 1100, status: 'won', metadata: null, payment_intent: null };
const event = (type: string, object: unknown) => ({ id: 'evt_1', type, data: { object } });

describe('assertWellFormedEvent', () => {
  it('accepts the shapes Stripe sends, and any object for the types the webhook does not apply', () => {
    expect(fieldsOf(event('checkout.session.completed', session))).toEqual([]);
    expect(fieldsOf(event('checkout.session.expired', { id: 'cs_1' }))).toEqual([]);
    expect(fieldsOf(event('charge.refunded', charge))).toEqual([]);
    expect(fieldsOf(event('charge.dispute.closed', dispute))).toEqual([]);
    expect(fieldsOf(event('customer.created', {}))).toEqual([]);
  });

  it.each<[string, unknown, string[]]>([
    ['not an object', [], ['event']],
    ['null', null, ['event']],
    ['no envelope', {}, ['id', 'type', 'data.object']],
    ['an id no index entry holds', { id: `evt_${'a'.repeat(6000)}`, type: 'x', data: { object: {} } }, ['id']],
    ['a lone surrogate in a value', event('customer.created', { x: 'a\ud800b' }), ['event']],
    ['a lone surrogate in a key', event('customer.created', { '\udc00': 1 }), ['event']],
    ['no data.object', { id: 'evt_x', type: 'checkout.session.completed', data: {} }, ['data.object']],
    ['no id', { type: 'x', data: { object: {} } }, ['id']],
    ['an empty id', { id: '', type: 'x', data: { object: {} } }, ['id']],
    ['an array as data.object', { id: 'evt_x', type: 'x', data: { object: [] } }, ['data.object']],
    ['a paid session without id', event('checkout.session.completed', { ...session, id: undefined }), ['data.object.id']],
    ['a session without payment_status', event('checkout.session.async_payment_succeeded', { id: 'cs_1' }), ['data.object.payment_status']],
    ['a charge without amounts', event('charge.refunded', { id: 'ch_1', amount: 1.5 }), ['data.object.amount', 'data.object.amount_refunded']],
    ['a dispute with a bad payment intent', event('charge.dispute.created', { ...dispute, payment_intent: 7 }), ['data.object.payment_intent']],
    ['metadata that is not an object', event('checkout.session.expired', { id: 'cs_1', metadata: 'x' }), ['data.object.metadata']],
    ['a NUL character', event('x', { note: 'a\u0000b' }), ['event']],
    ['a charge id no index entry holds', event('charge.refunded', { ...charge, id: 'c'.repeat(256) }), ['data.object.id']],
    ['a payment intent id no index entry holds', event('checkout.session.completed', { ...session, payment_intent: 'p'.repeat(256) }), ['data.object.payment_intent']],
    ['an expanded payment intent whose id no index entry holds', event('charge.refunded', { ...charge, payment_intent: { id: 'p'.repeat(256) } }), ['data.object.payment_intent']],
  ])('refuses %s', (_name, input, fields) => {
    expect(fieldsOf(input)).toEqual(fields);
  });

  it('does not take an escaped backslash before u0000 for a NUL character', () => {
    expect(fieldsOf(event('x', { note: 'C:\\u0000' }))).toEqual([]);
    expect(fieldsOf(event('x', { note: '\\\u0000' }))).toEqual(['event']);
  });

  it('refuses an event nested deeper than any Stripe object', () => {
    let deep: unknown = {};
    for (let i = 0; i < 40; i++) deep = { deep };
    expect(fieldsOf(event('x', deep))).toEqual(['event']);
  });
});
