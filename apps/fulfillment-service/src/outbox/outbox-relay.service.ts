import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { OUTBOX_CHANNEL } from '@app/queue';

interface OutboxRow {
  id: string;
  queue: string;
  job_name: string;
  job_id: string;
  payload: Record<string, unknown>;
  /** milliseconds until run_at, 0 when due */
  delay: number;
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
 * and relays take the next rows instead of waiting on these.
 */
const CLAIM_BATCH = `
  UPDATE outbox SET published_at = now()
  WHERE id = ANY(ARRAY(
    SELECT id FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
  ))
  RETURNING id, queue, job_name, job_id, payload,
            greatest(0, ceil(extract(epoch FROM run_at - clock_timestamp()) * 1000))::float8 AS delay`;

const relayed = new Counter({ name: 'outbox_relayed_total', help: 'Outbox rows relayed into BullMQ' });

/**
 * Moves committed outbox rows into BullMQ. Rows are locked with SKIP LOCKED so several
 * relays (and the lanes of one) can run side by side; a row's published mark commits only
 * after BullMQ took it, and the jobId (from the business key) makes a re-relayed row a
 * no-op. Wakes on NOTIFY, polls as a fallback.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelayService.name);
  private listener?: Client;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private wakeRequested = false;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly moduleRef: ModuleRef,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    await this.listener?.end().catch(() => undefined);
  }

  /** Relays until the outbox is empty; returns how many rows were published. */
  async drain(): Promise<number> {
    const lanes = await Promise.allSettled(Array.from({ length: LANES }, () => this.drainLane()));
    const failed = lanes.find((lane): lane is PromiseRejectedResult => lane.status === 'rejected');
    if (failed) throw failed.reason;
    return lanes.reduce((total, lane) => total + (lane as PromiseFulfilledResult<number>).value, 0);
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
      .catch((error: unknown) => this.logger.warn(`outbox relay paused: ${(error as Error).message}`))
      .finally(() => {
        this.running = undefined;
        if (this.wakeRequested) {
          this.wakeRequested = false;
          this.wake();
        }
      });
  }

  private relayBatch(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      // A sort plan cannot stop at LIMIT under the row locks, so on a never-analysed outbox it
      // sorted the whole backlog for every batch; the partial index already yields id order.
      await manager.query('SET LOCAL enable_sort = off');
      const [rows]: [OutboxRow[], number] = await manager.query(CLAIM_BATCH, [BATCH_SIZE]);
      if (!rows.length) return 0;
      await withTimeout(this.publish(rows), PUBLISH_TIMEOUT_MS);
      relayed.inc(rows.length);
      return rows.length;
    });
  }

  private async publish(rows: OutboxRow[]): Promise<void> {
    const byQueue = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      const queueRows = byQueue.get(row.queue);
      if (queueRows) queueRows.push(row);
      else byQueue.set(row.queue, [row]);
    }
    await Promise.all(
      [...byQueue].map(([name, queueRows]) =>
        this.queue(name).addBulk(
          queueRows.map((row) => ({
            name: row.job_name,
            data: row.payload,
            opts: row.delay > 0 ? { jobId: row.job_id, delay: row.delay } : { jobId: row.job_id },
          })),
        ),
      ),
    );
  }

  private queue(name: string): Queue {
    return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.config.databaseUrl });
    client.on('notification', () => this.wake());
    client.on('error', (error) => {
      this.logger.warn(`outbox listener lost: ${error.message}; polling until it returns`);
      this.listener = undefined;
      if (this.stopped) return;
      setTimeout(() => void this.listen().catch(() => undefined), POLL_MS);
    });
    await client.connect();
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    this.listener = client;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not accept the jobs within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
