import { FakeStripe } from './fake-stripe';

/**
 * `npm run stripe:fake`: the fake Stripe server for local runs (scripts/start.sh starts it when
 * no STRIPE_SECRET_KEY is configured). Listens on STRIPE_API_BASE's port and posts signed events
 * to FAKE_STRIPE_WEBHOOK_URL. FAKE_STRIPE_STATELESS=1 answers like stripe-mock instead (the same
 * ids every time, nothing kept, no events), to try the platform against such a stand-in.
 */
async function main(): Promise<void> {
  const base = new URL(process.env.STRIPE_API_BASE ?? 'http://127.0.0.1:12111');
  const fake = new FakeStripe({
    port: Number(base.port || 12111),
    host: base.hostname,
    secretKey: process.env.STRIPE_SECRET_KEY || undefined,
    webhookSecret: process.env.STRIPE_WEBHOOK_SECRET || 'whsec_fake_local',
    webhookUrl: process.env.FAKE_STRIPE_WEBHOOK_URL || `http://127.0.0.1:${process.env.PORT ?? 3000}/payments/stripe/webhook`,
    stateless: process.env.FAKE_STRIPE_STATELESS === '1',
  });
  const url = await fake.start();
  process.stdout.write(`fake Stripe listening on ${url}; webhooks to ${process.env.FAKE_STRIPE_WEBHOOK_URL ?? '(default)'}\n`);
  const stop = () => void fake.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
