import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { APP_CONFIG, AppConfig, stripeEndpoint } from '@app/config';
import { DomainError, ErrorCode } from '@app/domain';

/** How long a signed webhook stays acceptable (Stripe's default tolerance). */
const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * The platform's Stripe client (pointed at STRIPE_API_BASE when set) and webhook verifier.
 * Built on first use, so the API boots without Stripe credentials and only payment calls fail.
 */
@Injectable()
export class StripeGateway {
  private readonly logger = new Logger(StripeGateway.name);
  private stripe?: Stripe;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get client(): Stripe {
    if (!this.config.stripe.secretKey) throw new DomainError(ErrorCode.PaymentProviderError, 'Stripe is not configured');
    this.stripe ??= new Stripe(this.config.stripe.secretKey, { ...stripeEndpoint(this.config.stripe), maxNetworkRetries: 2, timeout: 20000 });
    return this.stripe;
  }

  /** Verifies `Stripe-Signature` over the raw body; a bad, missing or stale signature, or no JSON body, is a 400. */
  verifyEvent(rawBody: Buffer | undefined, signature: string | undefined): Stripe.Event {
    if (!this.config.stripe.webhookSecret) {
      this.logger.error('STRIPE_WEBHOOK_SECRET is not set: every webhook is refused');
      throw new DomainError(ErrorCode.StripeSignatureInvalid, 'Webhook signature cannot be verified');
    }
    if (!signature) throw new DomainError(ErrorCode.StripeSignatureInvalid, 'Missing Stripe-Signature header');
    // Only the JSON parser keeps the raw body the signature covers: another content type (or none) leaves nothing to verify.
    if (!rawBody) {
      const message = 'The webhook body must be a JSON event sent with Content-Type: application/json';
      throw new DomainError(ErrorCode.ValidationFailed, message, [{ field: 'body', errors: [message] }]);
    }
    try {
      return Stripe.webhooks.constructEvent(rawBody, signature, this.config.stripe.webhookSecret, SIGNATURE_TOLERANCE_SECONDS);
    } catch (error) {
      throw new DomainError(ErrorCode.StripeSignatureInvalid, `Stripe signature rejected: ${(error as Error).message}`);
    }
  }

  /** Runs a Stripe call; its failures become 502 PAYMENT_PROVIDER_ERROR with Stripe's type and code. */
  async call<T>(what: string, fn: (stripe: Stripe) => Promise<T>): Promise<T> {
    const stripe = this.client;
    try {
      return await fn(stripe);
    } catch (error) {
      const e = error as { type?: string; code?: string; message?: string; statusCode?: number };
      this.logger.warn({ type: e.type, code: e.code, statusCode: e.statusCode }, `Stripe ${what} failed: ${e.message}`);
      throw new DomainError(ErrorCode.PaymentProviderError, `Stripe ${what} failed`, { type: e.type, code: e.code });
    }
  }
}
