import type { ConnectionOptions } from 'bullmq';
import Redis, { RedisOptions } from 'ioredis';

/** BullMQ workers need blocking commands that never give up while Redis is away. */
function redisOptions(url: string, extra: RedisOptions = {}): RedisOptions {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    username: parsed.username || undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  };
}

export function createRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(redisOptions(url, extra));
}

/** The same options typed for BullMQ queues and workers. */
export function queueConnection(url: string): ConnectionOptions {
  return redisOptions(url) as ConnectionOptions;
}
