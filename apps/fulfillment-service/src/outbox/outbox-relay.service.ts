import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ALL_QUEUE_NAMES, JOB_PRIORITIES, OUTBOX_CHANNEL, retryHorizonSeconds, throttled } from '@app/queue';
import { RedisKeptMark } from './redis-kept-mark';

/** One queue's share of a claimed batch, already in the shape `Queue.addBulk` takes. */
interface ClaimedJobs {
  queue: string;
  jobs: Parameters<Queue['addBulk']>[0];
  /** the batch's published_at, in microseconds since the epoch (PostgreSQL's clock, exact) */
  published: string;
}

const BATCH_SIZE = 1000;
/**
 * Batches in flight at once. Each lane is its own transaction, so this is the same as that
 * many relays side by side; two keep Redis busy while the other lane's PostgreSQL round
 * trips and job encoding run, more only add contention.
 */
const LANES = 2;
const POLL_MS = 1000;
/** BullMQ keeps commands while Redis is away; give up on a batch after this and retry it later. */
const PUBLISH_TIMEOUT_MS = 5000;

/**
 * Marks a batch published and returns it in one statement; the transaction stays open until
 * BullMQ took the jobs, so a failed publish rolls the mark back. SKIP LOCKED lets other lanes
 * and relays take the next rows instead of waiting on these. PostgreSQL builds the addBulk
 * arguments per queue, so Node parses one JSON value per queue instead of a row per job.
 */
const CLAIM_BATCH = `
  WITH claimed AS (
    UPDATE outbox SET published_at = now()
    WHERE id = ANY(ARRAY(
      SELECT id FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
    ))
    RETURNING queue, job_name, job_id, payload,
              ceil(extract(epoch FROM run_at - clock_timestamp()) * 1000)::float8 AS delay
  )
  SELECT queue, (extract(epoch FROM now()) * 1000000)::bigint::text AS published, json_agg(json_build_object(
           'name', job_name,
           'data', payload,
           'opts', json_strip_nulls(json_build_object(
             'jobId', job_id, 'delay', CASE WHEN delay > 0 THEN delay END, 'priority', ($2::jsonb ->> job_name)::int))
         )) AS jobs
  FROM claimed GROUP BY queue`;

/**
 * Rows whose jobs a Redis that lost its data may have held: delayed ones still to run, and those
 * due within their queue's retry horizon ($1 queue names, $2 seconds: waiting, retrying, kept as
 * failed). Older jobs are long done, and their effects are in PostgreSQL. A claim's job is only
 * relayed again while the claim waits for it (the sweep would find it too, later): a day of
 * claims fulfilled long ago would otherwise run again as no-ops ahead of the new ones.
 * $3 (epoch µs, or null for every row): only rows published after it, those a Redis holding
 * older data may lack; $4 (epoch µs, or null): only if a row was published after it at all.
 */
const REPUBLISH_RECENT = `
  UPDATE outbox o SET published_at = NULL
  FROM unnest($1::text[], $2::float8[]) AS w(queue, secs)
  WHERE o.queue = w.queue AND o.published_at IS NOT NULL
    AND greatest(o.run_at, o.published_at) > now() - make_interval(secs => w.secs)
    AND ($3::bigint IS NULL OR o.published_at > timestamptz 'epoch' + $3::bigint * interval '1 microsecond')
    AND ($4::bigint IS NULL OR EXISTS (SELECT 1 FROM outbox n WHERE n.published_at > timestamptz 'epoch' + $4::bigint * interval '1 microsecond'))
    AND (o.job_name <> 'fulfill-claim'
         OR EXISTS (SELECT 1 FROM claims c WHERE c.id = (o.payload ->> 'claimId')::uuid AND c.status = 'pending'))`;

/** Published rows kept this long after they were due (past every queue's retry horizon): for investigation, then pruned. */
const RETENTION_SECONDS = Math.max(...ALL_QUEUE_NAMES.map(retryHorizonSeconds)) + 3 * 86_400;
const FIRST_PRUNE_MS = 60_000;
const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_BATCH = 5_000;
const PRUNE = `
  DELETE FROM outbox WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM outbox
    WHERE published_at < now() - make_interval(secs => $1) AND run_at < now() - make_interval(secs => $1)
    LIMIT $2))`;

const relayed = new Counter({ name: 'outbox_relayed_total', help: 'Outbox rows relayed into BullMQ' });
const republished = new Counter({ name: 'outbox_republished_total', help: 'Outbox rows relayed again because Redis had lost its data' });

/**
 * Moves committed outbox rows into BullMQ. Rows are locked with SKIP LOCKED so several
 * relays (and the lanes of one) can run side by side; a row's published mark commits only
 * after BullMQ took it, and the jobId (from the business key) makes a re-relayed row a
 * no-op. Wakes on NOTIFY, polls as a fallback.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelayService.name);
  /** An outage pauses every poll (once a second): said once, then at most every 30 s. */
  private readonly warnPaused = throttled<Error>(30_000, (error, leftOut) =>
    this.logger.warn(`outbox relay paused: ${error.message}${leftOut ? ` (${leftOut} more pauses since the last warning)` : ''}`),
  );
  private listener?: Client;
  private listenRetry?: NodeJS.Timeout;
  private timer?: NodeJS.Timeout;
  private firstPrune?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;
  private pruning?: Promise<unknown>;
  private running?: Promise<void>;
  private wakeRequested = false;
  private stopped = false;
  private redisCheckedAt = 0;
  private readonly mark: RedisKeptMark;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly moduleRef: ModuleRef,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.mark = new RedisKeptMark(config.redisUrl, config.redisPrefix);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
    this.timer = setInterval(() => this.wake(), POLL_MS);
    const prune = () => {
      this.pruning ??= this.prune()
        .catch((error: Error) => this.logger.warn(`outbox prune skipped: ${error.message}`))
        .finally(() => (this.pruning = undefined));
    };
    // A minute after boot (a service restarted more often than hourly still prunes), then hourly.
    this.firstPrune = setTimeout(prune, FIRST_PRUNE_MS);
    this.pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.firstPrune);
    clearInterval(this.pruneTimer);
    clearTimeout(this.listenRetry);
    await Promise.all([this.running, this.pruning]);
    await this.listener?.end().catch(() => undefined);
    this.mark.disconnect();
  }

  /** Relays until the outbox is empty; returns how many rows were published. */
  async drain(): Promise<number> {
    await this.recoverLostJobs();
    const lanes = await Promise.allSettled(Array.from({ length: LANES }, () => this.drainLane()));
    const failed = lanes.find((lane): lane is PromiseRejectedResult => lane.status === 'rejected');
    if (failed) throw failed.reason;
    return lanes.reduce((total, lane) => total + (lane as PromiseFulfilledResult<number>).value, 0);
  }

  /** Deletes the rows past their retention, a batch at a time; returns how many. */
  async prune(): Promise<number> {
    let total = 0;
    for (;;) {
      const [, count]: [unknown, number] = await this.dataSource.query(PRUNE, [RETENTION_SECONDS, PRUNE_BATCH]);
      total += count;
      if (count < PRUNE_BATCH || this.stopped) return total;
    }
  }

  private async drainLane(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.relayBatch();
      total += published;
      if (published < BATCH_SIZE || this.stopped) return total;
    }
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    this.running = this.drain()
      .then(() => undefined)
      .catch((error: unknown) => this.warnPaused(error as Error))
      .finally(() => {
        this.running = undefined;
        if (this.wakeRequested) {
          this.wakeRequested = false;
          this.wake();
        }
      });
  }

  private async relayBatch(): Promise<number> {
    const count = await this.dataSource.transaction(async (manager) => {
      // A sort plan cannot stop at LIMIT under the row locks, so on a never-analysed outbox it
      // sorted the whole backlog for every batch; the partial index already yields id order.
      // A disabled node still costs 1e10, which alone would trigger JIT (~400 ms a batch).
      await manager.query('SET LOCAL enable_sort = off; SET LOCAL jit = off');
      const claimed: ClaimedJobs[] = await manager.query(CLAIM_BATCH, [BATCH_SIZE, JOB_PRIORITIES]);
      if (!claimed.length) return 0;
      await withTimeout(Promise.all(claimed.map(({ queue, jobs }) => this.queue(queue).addBulk(jobs))), PUBLISH_TIMEOUT_MS);
      // Before the commit (a mark that fails rolls the batch back): a Redis that lost these jobs lost this mark too.
      await withTimeout(this.mark.move(false, claimed[0].published), PUBLISH_TIMEOUT_MS);
      return claimed.reduce((total, { jobs }) => total + jobs.length, 0);
    });
    relayed.inc(count);
    return count;
  }

  /**
   * Redis is not the system of record: one restarted without its data (or a new one) has lost
   * every job, the delayed start and end of campaigns included, and one restored from an older
   * snapshot (a backup, a replica promoted before it caught up, an RDB reloaded after a crash) has
   * lost those relayed since. The mark (RedisKeptMark) tells. Lost, the recent rows are relayed
   * again (their jobIds make jobs Redis still has no-ops, and every processor re-runs
   * idempotently); gone back in time, the rows published since the mark are. Only then is the
   * mark set, so a crash in between relays them again rather than never.
   */
  private async recoverLostJobs(): Promise<void> {
    if (Date.now() - this.redisCheckedAt < POLL_MS) return;
    const kept = await withTimeout(this.mark.read(), PUBLISH_TIMEOUT_MS);
    if (kept.state === 'lost') {
      await this.relayAgain(null, null, (count) => `Redis has lost its data: relaying ${count} recent outbox rows again`);
    } else if (kept.state === 'went-back') {
      await this.relayAgain(kept.since, kept.ifPublishedAfter, (count) =>
        `Redis holds data from ${kept.keptAt.toISOString()} only (restored from an older snapshot?): relaying ${count} outbox rows published since again`,
      );
    }
    await withTimeout(this.mark.move(kept.state !== 'kept'), PUBLISH_TIMEOUT_MS);
    this.redisCheckedAt = Date.now();
  }

  private async relayAgain(since: number | null, ifPublishedAfter: number | null, message: (count: number) => string): Promise<void> {
    const [, count]: [unknown, number] = await this.dataSource.query(REPUBLISH_RECENT, [
      ALL_QUEUE_NAMES,
      ALL_QUEUE_NAMES.map(retryHorizonSeconds),
      since,
      ifPublishedAfter,
    ]);
    if (count) this.logger.warn(message(count));
    republished.inc(count);
  }

  private queue(name: string): Queue {
    return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.config.databaseUrl });
    client.on('notification', () => this.wake());
    client.on('error', (error) => {
      if (this.listener !== client) return;
      this.logger.warn(`outbox listener lost: ${error.message}; polling until it returns`);
      this.listener = undefined;
      void client.end().catch(() => undefined);
      this.listenLater();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) return void (await client.end());
    this.listener = client;
  }

  /** Tries to listen again every POLL_MS until it works (a failed connect emits no error event). */
  private listenLater(): void {
    if (this.stopped || this.listenRetry) return;
    this.listenRetry = setTimeout(() => {
      this.listenRetry = undefined;
      this.listen().then(
        () => this.listener && this.logger.log('outbox listener back'),
        () => this.listenLater(),
      );
    }, POLL_MS);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
