import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { APP_CONFIG, AppConfig, stripeEndpoint } from '@app/config';

/**
 * The worker's Stripe client (pointed at STRIPE_API_BASE when set). The SDK does not retry:
 * BullMQ owns retries, with backoff, so an outage only delays a refund.
 */
@Injectable()
export class StripeRefundsClient {
  private stripe?: Stripe;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get client(): Stripe {
    if (!this.config.stripe.secretKey) throw new Error('STRIPE_SECRET_KEY is not set: refunds wait until it is');
    this.stripe ??= new Stripe(this.config.stripe.secretKey, { ...stripeEndpoint(this.config.stripe), maxNetworkRetries: 0, timeout: 20000 });
    return this.stripe;
  }
}

/** A Stripe answer that a retry cannot change (bad request, auth, idempotency misuse). */
export function isPermanentStripeError(error: unknown): boolean {
  const e = error as { type?: string; statusCode?: number };
  if (!e?.type?.startsWith('Stripe')) return false;
  if (e.type === 'StripeRateLimitError' || e.type === 'StripeConnectionError' || e.type === 'StripeAPIError') return false;
  return e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500 && e.statusCode !== 409;
}
