import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@app/config';
import { createRedis } from '@app/queue';
import { SpendTicket } from './dashboard-access';

/**
 * The dashboard tickets already spent, in Redis (every instance shares them): a ticket link opens
 * one session, so one copied from a history or a proxy's log is worth nothing. While Redis is
 * unreachable no ticket opens anything; an admin's bearer token still opens the dashboard.
 */
@Injectable()
export class DashboardTickets implements OnApplicationShutdown {
  private readonly redis: Redis;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.redis = createRedis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 1000 });
    this.redis.on('error', () => undefined);
  }

  /** Whether Redis answers a ping within the connection's 1 s command timeout (it queues nothing while away). */
  readonly redisAnswering = async (): Promise<boolean> => {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  };

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }

  readonly spend: SpendTicket = async (ticketId, ttlSeconds) => {
    try {
      return (await this.redis.set(`${this.config.redisPrefix}:dashboard-ticket:${ticketId}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
    } catch {
      return false;
    }
  };
}
