import { once } from 'node:events';
import { Controller, Get, Inject, OnApplicationShutdown } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Public } from '@app/auth';
import { createRedis } from '@app/queue';

/**
 * A check's failure as the public health answer shows it: whether it answered, not the driver's
 * message (which names the database's host and port to anyone who asks).
 */
async function answers(probe: () => Promise<unknown>): Promise<void> {
  try {
    await probe();
  } catch {
    throw new Error('not answering');
  }
}

/**
 * Readiness: 200 when PostgreSQL and Redis answer, 503 otherwise; recovers by itself when they
 * return. Liveness (`/health/live`): 200 while the process serves HTTP at all, so an orchestrator
 * does not restart services that are only waiting for a dependency.
 */
@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController implements OnApplicationShutdown {
  // Its own connection without an offline queue, so a Redis outage fails the check at once.
  private readonly redis: Redis;

  constructor(
    private readonly health: HealthCheckService,
    @InjectDataSource() private readonly dataSource: DataSource,
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
      () =>
        this.indicators
          .check('postgres')
          .attempt(() => answers(() => this.dataSource.query('SELECT 1')))
          .withTimeout(1500),
      () =>
        this.indicators
          .check('redis')
          .attempt(({ signal }) => answers(() => this.pingRedis(signal)))
          .withTimeout(1500),
    ]);
  }

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** A ping, after the first connection (a check right after boot waits for it, within its timeout). */
  private async pingRedis(signal: AbortSignal): Promise<void> {
    if (this.redis.status === 'connecting' || this.redis.status === 'connect') await once(this.redis, 'ready', { signal });
    await this.redis.ping();
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
