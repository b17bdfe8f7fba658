import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { ALL_QUEUE_NAMES } from '@app/queue';

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;
/** A scrape never waits longer for Redis or PostgreSQL: what did not answer is left out of it. */
const READ_TIMEOUT_MS = 1000;

/** What the gauges read: the live service's queues and database (one per process; tests make several in turn). */
let source: Pick<QueueGaugesService, 'jobCounts' | 'unpublishedRows'> | undefined;

new Gauge({
  name: 'queue_jobs',
  help: 'Jobs in each queue by state, read from Redis when scraped (absent while Redis does not answer)',
  labelNames: ['queue', 'state'],
  async collect() {
    this.reset();
    for (const [queue, counts] of (await source?.jobCounts()) ?? []) {
      for (const state of STATES) this.set({ queue, state }, counts[state] ?? 0);
    }
  },
});

new Gauge({
  name: 'outbox_unpublished_rows',
  help: 'Outbox rows not relayed into BullMQ yet, read when scraped (a backlog grows while Redis is away)',
  async collect() {
    this.reset();
    const rows = await source?.unpublishedRows();
    if (rows !== undefined) this.set(rows);
  },
});

function within<T>(promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), READ_TIMEOUT_MS);
  });
  return Promise.race([promise.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

/** Queue depth and the outbox backlog on the fulfillment service's /metrics: what to alert on when work piles up. */
@Injectable()
export class QueueGaugesService implements OnModuleInit, OnModuleDestroy {
  private queues: Queue[] = [];

  constructor(
    private readonly modules: ModuleRef,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.queues = ALL_QUEUE_NAMES.map((name) => this.modules.get<Queue>(getQueueToken(name), { strict: false }));
    source = this.readers;
  }

  onModuleDestroy(): void {
    if (source === this.readers) source = undefined;
  }

  private readonly readers = { jobCounts: () => this.jobCounts(), unpublishedRows: () => this.unpublishedRows() };

  async jobCounts(): Promise<[string, Record<string, number>][]> {
    const counts = await Promise.all(this.queues.map((queue) => within(queue.getJobCounts(...STATES))));
    return this.queues.flatMap((queue, i) => (counts[i] ? [[queue.name, counts[i]] as [string, Record<string, number>]] : []));
  }

  async unpublishedRows(): Promise<number | undefined> {
    const rows = await within(this.dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM outbox WHERE published_at IS NULL`));
    return rows ? Number(rows[0].n) : undefined;
  }
}
