import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@app/config';
import { claimGateKeys, connectionErrorLogger, createRedis } from '@app/queue';

/**
 * The claim gate (campaign-service) caches a campaign's open/closed state in Redis. When this
 * worker starts or ends a campaign, dropping the gate's state makes the next claim reload it
 * from PostgreSQL; the gate is built to treat a missing state as "reload", and PostgreSQL
 * re-checks every claim under row locks, so dropping it is always safe.
 */
@Injectable()
export class ClaimGateInvalidator implements OnApplicationShutdown {
  private readonly redis: Redis;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.redis = createRedis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
    this.redis.on('error', connectionErrorLogger(new Logger(ClaimGateInvalidator.name), 'claim gate invalidation'));
  }

  async invalidate(campaignId: string): Promise<void> {
    await this.redis.del(claimGateKeys(this.config.redisPrefix, campaignId).state);
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
