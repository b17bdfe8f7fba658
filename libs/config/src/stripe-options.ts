import type { AppConfig } from './app-config';

/** Where the Stripe SDK sends requests: Stripe itself unless STRIPE_API_BASE points elsewhere. */
export interface StripeEndpoint {
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}

/** Translates STRIPE_API_BASE (e.g. `http://127.0.0.1:12111`) into the SDK's host/port/protocol options. */
export function stripeEndpoint(stripe: AppConfig['stripe']): StripeEndpoint {
  if (!stripe.apiBase) return {};
  const url = new URL(stripe.apiBase);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol };
}
