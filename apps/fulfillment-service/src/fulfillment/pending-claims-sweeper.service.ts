import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { fulfillClaimJobId, QUEUES } from '@app/queue';
import { ClaimFailureService } from './claim-failure.service';

const SWEEP_BATCH = 500;

const requeued = new Counter({ name: 'fulfillment_jobs_requeued_total', help: 'Jobs of pending claims that Redis had lost, added again' });

/**
 * The outbox hands each job to Redis once. If Redis then loses data (restart without
 * persistence, failover), a pending claim would wait forever: this sweep finds pending claims
 * idle for a while whose job BullMQ no longer knows and adds it again under the same jobId.
 * Adding is idempotent (jobId) and so is the processor, so a sweep can never do a claim twice.
 * A claim whose job failed for good while PostgreSQL could not record it (the outage that failed
 * the job) is marked failed here, as the job's last attempt would have done.
 */
@Injectable()
export class PendingClaimsSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PendingClaimsSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QUEUES.fulfillment.name) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly failures: ClaimFailureService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .then((count) => void (count && this.logger.warn(`settled ${count} pending claims whose job Redis had lost or that failed unrecorded`)))
        .catch((error: Error) => this.logger.warn(`pending-claims sweep skipped: ${error.message}`))
        .finally(() => (this.running = undefined));
    }, this.config.fulfillment.sweepIntervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Returns how many claims it settled (jobs added again, claims marked failed). */
  async sweep(): Promise<number> {
    // Physical claims wait for shipping with a shipment on record: their job is done, unless the
    // shipment is cancelled (a retried claim whose new round has not reopened it yet). Held claims
    // wait for an admin's release, which enqueues their job.
    const claims: { id: string; fulfillment_round: number }[] = await this.dataSource.query(
      `SELECT c.id, c.fulfillment_round FROM claims c
       WHERE c.status = 'pending' AND c.updated_at < now() - make_interval(secs => $1::float8 / 1000)
         AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.claim_id = c.id AND s.status <> 'cancelled')
         AND NOT EXISTS (SELECT 1 FROM claim_holds h WHERE h.claim_id = c.id AND h.released_at IS NULL)
         AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.published_at IS NULL AND o.payload->>'claimId' = c.id::text)
       ORDER BY c.updated_at LIMIT $2`,
      [this.config.fulfillment.sweepAfterMs, SWEEP_BATCH],
    );
    if (!claims.length) return 0;
    const jobIds = claims.map((c) => fulfillClaimJobId(c.id, c.fulfillment_round));
    const states = await Promise.all(jobIds.map((id) => this.queue.getJobState(id)));
    const lost = claims.filter((_, i) => states[i] === 'unknown');
    if (lost.length) {
      await this.queue.addBulk(
        lost.map((claim) => ({
          name: 'fulfill-claim',
          data: { claimId: claim.id },
          opts: { jobId: jobIds[claims.indexOf(claim)] },
        })),
      );
      requeued.inc(lost.length);
    }
    let failed = 0;
    for (const [i, claim] of claims.entries()) {
      if (states[i] !== 'failed') continue;
      const job = await this.queue.getJob(jobIds[i]);
      if (await this.failures.markFailed(claim.id, claim.fulfillment_round, job?.failedReason || 'fulfillment failed')) failed++;
    }
    return lost.length + failed;
  }
}
