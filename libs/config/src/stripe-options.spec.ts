import { stripeEndpoint } from './stripe-options';

describe('stripeEndpoint', () => {
  const stripe = { secretKey: 'sk_test_x', webhookSecret: 'whsec_x' };

  it('leaves the SDK on api.stripe.com when no base is set', () => {
    expect(stripeEndpoint(stripe)).toEqual({});
  });

  it('splits STRIPE_API_BASE into host, port and protocol', () => {
    expect(stripeEndpoint({ ...stripe, apiBase: 'http://127.0.0.1:12111' })).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
    expect(stripeEndpoint({ ...stripe, apiBase: 'https://stripe-mock.internal' })).toEqual({
      host: 'stripe-mock.internal',
      port: 443,
      protocol: 'https',
    });
  });
});
