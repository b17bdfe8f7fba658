import { Inject, Injectable } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import { APP_CONFIG, AppConfig } from '@app/config';
import { DomainError } from '@app/domain';
import { hashTracker } from './rate-limit.guard';
import { LOGIN_ACCOUNT_RULE, LOGIN_CLIENT_RULE, RATE_LIMIT_RULES, RateLimitRule, rateLimitedError, routeBucket, UNLIMITED_ROUTES } from './rate-limit.rules';
import { RedisThrottlerStorage } from './rate-limit.storage';

/** Recent addresses, normalized and hashed: a client keeps its address, and hashing it on every request costs more than the lookup. */
const ipTrackers = new Map<string, { address: string; tracker: string }>();
const IP_TRACKERS_MAX = 10_000;

/** RATE_LIMIT_EXEMPT_IPS as the limiter sees addresses (an IPv6 one as its /64, an IPv4-mapped one as IPv4). */
const exemptAddresses = new WeakMap<readonly string[], Set<string>>();

/**
 * The rate-limit tracker of a client address (hashed: no addresses in Redis key names); empty,
 * so that no per-IP limit applies, for an address of RATE_LIMIT_EXEMPT_IPS.
 */
export function ipTracker(ip: string, exempt: readonly string[]): string {
  let exempted = exemptAddresses.get(exempt);
  if (!exempted) {
    exempted = new Set(exempt.map((address) => normalizeIp(address)));
    exemptAddresses.set(exempt, exempted);
  }
  let known = ipTrackers.get(ip);
  if (known === undefined) {
    if (ipTrackers.size >= IP_TRACKERS_MAX) ipTrackers.clear();
    const address = normalizeIp(ip);
    known = { address, tracker: hashTracker(address) };
    ipTrackers.set(ip, known);
  }
  return exempted.has(known.address) ? '' : known.tracker;
}

/**
 * The account a login targets, as the login trackers count it: the email typed (case and spacing
 * ignored), or the signed-in account of a password change. Named apart, so that a login typing an
 * account's id as its email counts against no account's password changes.
 */
export function loginSubject(target: { email: string } | { accountId: string }): string {
  return 'email' in target ? `email:${target.email.trim().toLowerCase()}` : `account:${target.accountId}`;
}

/** The tracker of attempts on one account (a loginSubject), hashed; with `ip`, of the attempts from that client address only. */
export function loginTracker(subject: string, ip?: string): string {
  return hashTracker(ip === undefined ? subject : `${subject}|${normalizeIp(ip)}`);
}

/**
 * The rate limits of one route for a lean handler that answers outside Nest's pipeline:
 * the same rules, counters and keys as RateLimitGuard, for routes of authenticated callers.
 */
@Injectable()
export class RouteRateLimiter {
  constructor(
    private readonly storage: RedisThrottlerStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * `route` as `<METHOD> <path with :param>`; null when every limit lets the request through,
   * else the RATE_LIMITED error (its details carry `retryAfterSeconds` for the Retry-After header).
   */
  async check(route: string, ip: string, accountId: string): Promise<DomainError | null> {
    const ttl = this.config.rateLimit.windowSeconds * 1000;
    const client = ipTracker(ip, this.config.rateLimit.exemptIps);
    const rules = this.rulesOf(route).map((rule) => ({ rule, tracker: rule.tracker === 'ip' ? client : accountId })).filter(({ tracker }) => tracker);
    // All at once, like the guard: the Redis calls leave in one auto-pipelined write.
    const records = await Promise.all(
      rules.map(({ rule, tracker }) => this.storage.increment(`${rule.name}:${tracker}`, ttl, this.config.rateLimit[rule.setting], ttl)),
    );
    const refused = records.findIndex((record) => record.isBlocked);
    if (refused < 0) return null;
    return rateLimitedError(rules[refused].rule.name, Math.max(1, records[refused].timeToBlockExpire));
  }

  /**
   * A login that was not a wrong password (a success, or one the service could not decide) takes its
   * attempt back from the account's login limits, which then count wrong passwords only: the owner
   * may sign in as often as they like, a guesser is stopped.
   */
  async forgiveLogin(email: string, ip: string): Promise<void> {
    const { login, loginAccount } = this.config.rateLimit;
    const subject = loginSubject({ email });
    await Promise.all([
      login > 0 && this.storage.decrement(`${LOGIN_CLIENT_RULE}:${loginTracker(subject, ip)}`),
      loginAccount > 0 && this.storage.decrement(`${LOGIN_ACCOUNT_RULE}:${loginTracker(subject)}`),
    ]);
  }

  private rulesOf(route: string): RateLimitRule[] {
    if (UNLIMITED_ROUTES.has(route)) return [];
    const bucket = routeBucket(route);
    if (bucket === 'login') throw new Error('login routes need the request body to track; answer them through Nest');
    return RATE_LIMIT_RULES.filter((rule) => this.config.rateLimit[rule.setting] > 0 && (rule.bucket === undefined || rule.bucket === bucket));
  }
}
