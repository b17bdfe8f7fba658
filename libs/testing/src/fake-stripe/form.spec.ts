import { parseStripeForm } from './form';

describe('parseStripeForm', () => {
  it('expands Stripe bracket keys into nested objects and arrays', () => {
    const body =
      'mode=payment&line_items[0][quantity]=2&line_items[0][price_data][unit_amount]=500&line_items[1][quantity]=1' +
      '&metadata[campaignId]=c%201&payment_intent_data[metadata][fundingId]=f1&success_url=http%3A%2F%2Fx%2Fok%3Fa%3D1';
    expect(parseStripeForm(body)).toEqual({
      mode: 'payment',
      line_items: [{ quantity: '2', price_data: { unit_amount: '500' } }, { quantity: '1' }],
      metadata: { campaignId: 'c 1' },
      payment_intent_data: { metadata: { fundingId: 'f1' } },
      success_url: 'http://x/ok?a=1',
    });
  });

  it('treats an empty body as no parameters', () => {
    expect(parseStripeForm('')).toEqual({});
  });
});
