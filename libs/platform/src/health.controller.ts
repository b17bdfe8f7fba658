import { Controller, Get, Inject, OnApplicationShutdown } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Public } from '@app/auth';
import { createRedis } from '@app/queue';

/** 200 when PostgreSQL and Redis answer, 503 otherwise; recovers by itself when they return. */
@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController implements OnApplicationShutdown {
  // Its own connection without an offline queue, so a Redis outage fails the check at once.
  private readonly redis: Redis;

  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.redis = createRedis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    this.redis.on('error', () => undefined);
  }

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.db.pingCheck('postgres').withTimeout(1500),
      () =>
        this.indicators
          .check('redis')
          .attempt(async () => {
            await this.redis.ping();
          })
          .withTimeout(1500),
    ]);
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
