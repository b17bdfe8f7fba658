import { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { FakeStripe, FakeStripeOptions, TestApp } from '@app/testing';
import { createCampaignServiceApp } from '../app';

export const STRIPE_SECRET_KEY = 'sk_test_e2e_payments';
export const STRIPE_WEBHOOK_SECRET = 'whsec_e2e_payments';

export interface PaymentsEnv {
  t: TestApp;
  fake: FakeStripe;
  /** the real SDK pointed at the fake, as a Stripe Dashboard user would act */
  stripe: Stripe;
  close(): Promise<void>;
}

/**
 * The campaign-service listening on a real port, with the real Stripe SDK pointed at a fake
 * Stripe server that posts signed webhooks to it (a stateless one, like stripe-mock, sends none).
 */
export async function createPaymentsEnv(options: Pick<FakeStripeOptions, 'stateless'> = {}): Promise<PaymentsEnv> {
  const fake = new FakeStripe({ secretKey: STRIPE_SECRET_KEY, webhookSecret: STRIPE_WEBHOOK_SECRET, ...options });
  const base = await fake.start();
  const t = await createCampaignServiceApp({
    env: {
      STRIPE_API_BASE: base,
      STRIPE_SECRET_KEY,
      STRIPE_WEBHOOK_SECRET,
      PLATFORM_FEE_BPS: '1000',
      PUBLIC_URL: 'http://perks.test',
    },
  });
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  fake.setWebhookUrl(`http://127.0.0.1:${port}/payments/stripe/webhook`);
  const url = new URL(base);
  const stripe = new Stripe(STRIPE_SECRET_KEY, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
  return {
    t,
    fake,
    stripe,
    close: async () => {
      await fake.stop();
      await t.close();
    },
  };
}
