import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Periodic } from '@app/queue';

const PRUNE_EVERY_MS = 15 * 60_000;
const PRUNE_BATCH = 5_000;

/**
 * Offer notifications of campaigns ended more than $1 days ago: a matching run writes one per
 * member offered, and once the campaign is over it leads to a perk the feed no longer shows. Per
 * campaign through its index (LATERAL), so a pass that finds nothing left reads no notification.
 */
const PRUNE_OFFER_NOTIFICATIONS = `
  DELETE FROM notifications WHERE id = ANY(ARRAY(
    SELECT n.id FROM campaigns c
    CROSS JOIN LATERAL (SELECT id FROM notifications WHERE kind = 'offer' AND campaign_id = c.id LIMIT $2) n
    WHERE c.status = 'ended' AND c.ended_at < now() - make_interval(days => $1)
    LIMIT $2))`;

const pruned = new Counter({ name: 'retention_pruned_rows_total', help: 'Rows deleted past their retention', labelNames: ['table'] });

/**
 * Deletes what the platform stops needing some time after it is over, so tables written on every
 * matching run do not grow for good: the offer notifications of ended campaigns
 * (NOTIFICATION_RETENTION_DAYS). Claims, offers, money and audit rows are never pruned.
 */
@Injectable()
export class RetentionPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionPruner.name);
  private readonly periodic: Periodic;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.periodic = new Periodic(
      PRUNE_EVERY_MS,
      async () => void (await this.prune()),
      (error) => this.logger.warn(`retention prune skipped: ${error.message}`),
    );
  }

  onApplicationBootstrap(): void {
    this.periodic.start();
  }

  onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    return this.periodic.stop();
  }

  /** Returns how many rows it deleted, by table. */
  async prune(): Promise<{ notifications: number }> {
    const days = this.config.retention.offerNotificationDays;
    return { notifications: days ? await this.inBatches('notifications', PRUNE_OFFER_NOTIFICATIONS, days) : 0 };
  }

  /** Runs `sql` ($1 days, $2 batch size) until a batch deletes fewer than a batch (or the service stops: the next pass goes on). */
  private async inBatches(table: string, sql: string, days: number): Promise<number> {
    let total = 0;
    for (;;) {
      const [, count]: [unknown, number] = await this.dataSource.query(sql, [days, PRUNE_BATCH]);
      total += count;
      pruned.inc({ table }, count);
      if (count < PRUNE_BATCH || this.stopped) return total;
    }
  }
}
