import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Periodic } from '@app/queue';

const PRUNE_EVERY_MS = 15 * 60_000;

/** What one statement deletes: rows, or whole sessions (a long one holds a token per renewal). */
interface Rule {
  table: string;
  days: (config: AppConfig) => number;
  batch: number;
  /** $1 days, $2 batch → {found: rows or sessions taken (a full batch: more may be left), deleted: rows} */
  sql: string;
}

const RULES: Rule[] = [
  {
    // A matching run writes one per member offered; once the campaign is over it leads to a perk
    // the feed no longer shows. Per campaign through its index (LATERAL), so a pass that finds
    // nothing left reads no notification.
    table: 'notifications',
    days: (config) => config.retention.offerNotificationDays,
    batch: 5_000,
    sql: `
      WITH gone AS (
        DELETE FROM notifications WHERE id = ANY(ARRAY(
          SELECT n.id FROM campaigns c
          CROSS JOIN LATERAL (SELECT id FROM notifications WHERE kind = 'offer' AND campaign_id = c.id LIMIT $2) n
          WHERE c.status = 'ended' AND c.ended_at < now() - make_interval(days => $1)
          LIMIT $2))
        RETURNING 1
      )
      SELECT count(*)::int AS found, count(*)::int AS deleted FROM gone`,
  },
  {
    // A session (token family) whose every token expired that long ago: it can never be renewed,
    // and a token of it presented again is refused as an unknown one is. Found by its last tokens
    // (those not rotated); the whole family goes at once, so no session ever loses its first token
    // (its start, which bounds its age) while it can still be renewed.
    table: 'refresh_tokens',
    days: (config) => config.retention.sessionDays,
    batch: 200,
    sql: `
      WITH ended AS (
        SELECT l.family_id FROM refresh_tokens l
        WHERE l.revoke_reason IS DISTINCT FROM 'rotated' AND l.expires_at < now() - make_interval(days => $1)
          AND NOT EXISTS (SELECT 1 FROM refresh_tokens f WHERE f.family_id = l.family_id AND f.expires_at >= now() - make_interval(days => $1))
        LIMIT $2
      ),
      gone AS (DELETE FROM refresh_tokens t USING ended e WHERE t.family_id = e.family_id RETURNING 1)
      SELECT (SELECT count(*) FROM ended)::int AS found, (SELECT count(*) FROM gone)::int AS deleted`,
  },
];

const pruned = new Counter({ name: 'retention_pruned_rows_total', help: 'Rows deleted past their retention', labelNames: ['table'] });

/**
 * Deletes what the platform stops needing some time after it is over, so tables written on every
 * matching run or token refresh do not grow for good: the offer notifications of ended campaigns
 * (NOTIFICATION_RETENTION_DAYS) and ended login sessions (SESSION_RETENTION_DAYS). Claims, offers,
 * money and audit rows are never pruned.
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
  async prune(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const rule of RULES) deleted[rule.table] = await this.pruneRule(rule);
    return deleted;
  }

  /** Batch after batch until one is not full (or the service stops: the next pass goes on). */
  private async pruneRule(rule: Rule): Promise<number> {
    const days = rule.days(this.config);
    if (!days) return 0;
    let total = 0;
    for (;;) {
      const [{ found, deleted }]: { found: number; deleted: number }[] = await this.dataSource.query(rule.sql, [days, rule.batch]);
      total += deleted;
      pruned.inc({ table: rule.table }, deleted);
      if (found < rule.batch || this.stopped) return total;
    }
  }
}
