import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@app/config';
import { createRedis, throttled } from '@app/queue';

/**
 * Fixed window counter plus a block key, in one round trip. KEYS[1] counter, KEYS[2] block;
 * ARGV ttl ms, limit, block ms. Returns {hits, window ms left, blocked 0/1, block ms left}.
 */
const INCREMENT_SCRIPT = `
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then return {tonumber(ARGV[2]) + 1, blockLeft, 1, blockLeft} end
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return {hits, left, 1, tonumber(ARGV[3])}
end
return {hits, left, 0, 0}
`;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** DECR of a counter that exists and is above zero; KEYS[1] counter. */
const DECREMENT_SCRIPT = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then return redis.call('DECR', KEYS[1]) end
return 0
`;

type RateLimitRedis = Redis & {
  rateLimitIncrement(counter: string, block: string, ttlMs: number, limit: number, blockMs: number): Promise<[number, number, number, number]>;
  rateLimitDecrement(counter: string): Promise<number>;
};

const FAIL_OPEN: ThrottlerStorageRecord = { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };

/**
 * Rate-limit counters in Redis, so every instance of the API shares them. When Redis is
 * unreachable the limiter fails open: an outage of the limiter must not take the API down.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: RateLimitRedis;
  private readonly prefix: string;
  private readonly warnFailOpen = throttled<unknown>(10_000, (error, leftOut) =>
    this.logger.warn(`Rate limiting is failing open: ${(error as Error).message}${leftOut ? ` (${leftOut} more since the last warning)` : ''}`),
  );

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.prefix = `${config.redisPrefix}:rl`;
    // No offline queue and a short command timeout: while Redis is away, calls fail at once.
    this.redis = createRedis(config.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
      enableAutoPipelining: true,
    }) as RateLimitRedis;
    this.redis.on('error', () => undefined);
    this.redis.defineCommand('rateLimitIncrement', { numberOfKeys: 2, lua: INCREMENT_SCRIPT });
    this.redis.defineCommand('rateLimitDecrement', { numberOfKeys: 1, lua: DECREMENT_SCRIPT });
  }

  /** `key` is `<throttler>:<tracker>`; the hash tag keeps counter and block key in one cluster slot. */
  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<ThrottlerStorageRecord> {
    const base = this.counterKey(key);
    try {
      const [hits, left, blocked, blockLeft] = await this.redis.rateLimitIncrement(base, `${base}:block`, ttl, limit, blockDuration);
      return {
        totalHits: hits,
        timeToExpire: Math.ceil(left / 1000),
        isBlocked: blocked === 1,
        timeToBlockExpire: Math.ceil(blockLeft / 1000),
      };
    } catch (error) {
      this.warnFailOpen(error);
      return FAIL_OPEN;
    }
  }

  /** Takes one hit back from a counter (never below zero); a block already set stays. */
  async decrement(key: string): Promise<void> {
    try {
      await this.redis.rateLimitDecrement(this.counterKey(key));
    } catch (error) {
      this.warnFailOpen(error);
    }
  }

  /** The hash tag keeps a counter and its block key in one Redis Cluster slot. */
  private counterKey(key: string): string {
    return `${this.prefix}:{${key}}`;
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
