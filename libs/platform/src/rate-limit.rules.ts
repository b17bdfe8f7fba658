import { AppConfig } from '@app/config';
import { DomainError, ErrorCode } from '@app/domain';

export type RateLimitBucket = 'login' | 'register' | 'claim';
export type RateLimitTracker = 'ip' | 'account' | 'login-account' | 'login-client';
type LimitSetting = Exclude<keyof AppConfig['rateLimit'], 'windowSeconds' | 'exemptIps'>;

export interface RateLimitRule {
  /** the throttler's name, part of its Redis key */
  name: string;
  setting: LimitSetting;
  tracker: RateLimitTracker;
  /** only on the routes of this bucket; every route when absent */
  bucket?: RateLimitBucket;
  /** counted only for requests every other limit let through */
  last?: boolean;
}

export const LOGIN_ACCOUNT_RULE = 'login-account';
export const LOGIN_CLIENT_RULE = 'login-client';

/** Every limit, in the order they are checked: per IP and account everywhere, then the strict buckets. */
export const RATE_LIMIT_RULES: RateLimitRule[] = [
  { name: 'ip', setting: 'ip', tracker: 'ip' },
  { name: 'account', setting: 'account', tracker: 'account' },
  { name: 'login-ip', setting: 'loginIp', tracker: 'ip', bucket: 'login' },
  // Guessing one account's password: from one address, and from all addresses together at a
  // higher count (guessing spread over many). The latter counts only attempts the former let
  // through, so a guesser at one address, stopped there, cannot lock the owner out elsewhere.
  { name: LOGIN_CLIENT_RULE, setting: 'login', tracker: 'login-client', bucket: 'login' },
  { name: LOGIN_ACCOUNT_RULE, setting: 'loginAccount', tracker: 'login-account', bucket: 'login', last: true },
  { name: 'register', setting: 'register', tracker: 'ip', bucket: 'register' },
  { name: 'claim', setting: 'claim', tracker: 'account', bucket: 'claim' },
];

/** The names of the rules counted only for requests every other limit let through. */
export const LAST_RULES = new Set(RATE_LIMIT_RULES.filter((rule) => rule.last).map((rule) => rule.name));

/** Routes with a stricter limit of their own, on top of the per-IP and per-account limits. */
const STRICT_ROUTES: Record<string, RateLimitBucket> = {
  'POST /auth/login': 'login',
  'POST /auth/password': 'login',
  'POST /auth/register': 'register',
  'POST /brands/register': 'register',
  'POST /campaigns/:param/claims': 'claim',
};

/**
 * Probes must keep answering under load; Stripe's webhook is authenticated by its signature
 * and arrives in bursts from a few IPs, and a 429 there only delays payments.
 */
export const UNLIMITED_ROUTES = new Set(['GET /health', 'GET /metrics', 'POST /payments/stripe/webhook']);

/** `route` is `<METHOD> <path with :param>`. */
export function routeBucket(route: string): RateLimitBucket | undefined {
  return STRICT_ROUTES[route];
}

export function rateLimitedError(limit: string, retryAfterSeconds: number): DomainError {
  return new DomainError(ErrorCode.RateLimited, 'Too many requests; retry later', { limit, retryAfterSeconds });
}
