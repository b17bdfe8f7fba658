import { Inject, Injectable } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import { APP_CONFIG, AppConfig } from '@app/config';
import { DomainError } from '@app/domain';
import { hashTracker } from './rate-limit.guard';
import { RATE_LIMIT_RULES, RateLimitRule, rateLimitedError, routeBucket, UNLIMITED_ROUTES } from './rate-limit.rules';
import { RedisThrottlerStorage } from './rate-limit.storage';

/** Hashed trackers of recent addresses: a client keeps its address, and hashing it on every request costs more than the lookup. */
const ipTrackers = new Map<string, string>();
const IP_TRACKERS_MAX = 10_000;

/** The rate-limit tracker of a client address (hashed: no addresses in Redis key names). */
export function ipTracker(ip: string): string {
  let tracker = ipTrackers.get(ip);
  if (tracker === undefined) {
    if (ipTrackers.size >= IP_TRACKERS_MAX) ipTrackers.clear();
    tracker = hashTracker(normalizeIp(ip));
    ipTrackers.set(ip, tracker);
  }
  return tracker;
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
    const rules = this.rulesOf(route);
    // All at once, like the guard: the Redis calls leave in one auto-pipelined write.
    const records = await Promise.all(
      rules.map((rule) => {
        const tracker = rule.tracker === 'ip' ? ipTracker(ip) : accountId;
        return this.storage.increment(`${rule.name}:${tracker}`, ttl, this.config.rateLimit[rule.setting], ttl);
      }),
    );
    const refused = records.findIndex((record) => record.isBlocked);
    if (refused < 0) return null;
    return rateLimitedError(rules[refused].name, Math.max(1, records[refused].timeToBlockExpire));
  }

  private rulesOf(route: string): RateLimitRule[] {
    if (UNLIMITED_ROUTES.has(route)) return [];
    const bucket = routeBucket(route);
    if (bucket === 'login') throw new Error('login routes need the request body to track; answer them through Nest');
    return RATE_LIMIT_RULES.filter((rule) => this.config.rateLimit[rule.setting] > 0 && (rule.bucket === undefined || rule.bucket === bucket));
  }
}
