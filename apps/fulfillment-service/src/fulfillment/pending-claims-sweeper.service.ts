import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { fulfillClaimJobId, Periodic, QUEUES } from '@app/queue';
import { ClaimFailureService } from './claim-failure.service';

const SWEEP_BATCH = 500;
/** Pages of SWEEP_BATCH claims looked at per pass (the rest wait for the next one). */
const SWEEP_PAGES = 20;

interface IdleClaim {
  id: string;
  fulfillment_round: number;
  /** as PostgreSQL prints it: a Date would drop the microseconds the cursor compares */
  updated_at: string;
}

interface Cursor {
  updatedAt: string;
  id: string;
}

const requeued = new Counter({ name: 'fulfillment_jobs_requeued_total', help: 'Jobs of pending claims that Redis had lost, added again' });

/**
 * The outbox hands each job to Redis once. If Redis then loses data (restart without
 * persistence, failover, eviction), a pending claim would wait forever: this sweep finds pending
 * claims idle for a while whose job BullMQ no longer knows and adds it again under the same jobId.
 * Adding is idempotent (jobId) and so is the processor, so a sweep can never do a claim twice.
 * A claim whose job failed for good while PostgreSQL could not record it (the outage that failed
 * the job) is marked failed here, as the job's last attempt would have done.
 */
@Injectable()
export class PendingClaimsSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PendingClaimsSweeper.name);
  private readonly periodic: Periodic;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QUEUES.fulfillment.name) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly failures: ClaimFailureService,
  ) {
    this.periodic = new Periodic(
      config.fulfillment.sweepIntervalMs,
      async () => {
        const count = await this.sweep();
        if (count) this.logger.warn(`settled ${count} pending claims whose job Redis had lost or that failed unrecorded`);
      },
      (error) => this.logger.warn(`pending-claims sweep skipped: ${error.message}`),
    );
  }

  onApplicationBootstrap(): void {
    this.periodic.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.periodic.stop();
  }

  /**
   * Returns how many claims it settled (jobs added again, claims marked failed). Pages through the
   * idle pending claims, oldest first, up to SWEEP_PAGES a pass: a backlog of claims whose jobs
   * are only waiting must not hide the newer ones whose jobs were lost.
   */
  async sweep(): Promise<number> {
    let settled = 0;
    let after: Cursor = { updatedAt: '-infinity', id: '00000000-0000-0000-0000-000000000000' };
    for (let page = 0; page < SWEEP_PAGES; page++) {
      const claims = await this.idlePendingClaims(after);
      settled += await this.settle(claims);
      if (claims.length < SWEEP_BATCH) break;
      const last = claims[claims.length - 1];
      after = { updatedAt: last.updated_at, id: last.id };
    }
    return settled;
  }

  // Physical claims wait for shipping with a shipment on record: their job is done, unless the
  // shipment is cancelled (a retried claim whose new round has not reopened it yet). Held claims
  // wait for an admin's release, which enqueues their job.
  private idlePendingClaims(after: Cursor): Promise<IdleClaim[]> {
    return this.dataSource.query(
      `SELECT c.id, c.fulfillment_round, c.updated_at::text AS updated_at FROM claims c
       WHERE c.status = 'pending' AND c.updated_at < now() - make_interval(secs => $1::float8 / 1000)
         AND (c.updated_at, c.id) > ($3::timestamptz, $4::uuid)
         AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.claim_id = c.id AND s.status <> 'cancelled')
         AND NOT EXISTS (SELECT 1 FROM claim_holds h WHERE h.claim_id = c.id AND h.released_at IS NULL)
         AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.published_at IS NULL AND o.payload->>'claimId' = c.id::text)
       ORDER BY c.updated_at, c.id LIMIT $2`,
      [this.config.fulfillment.sweepAfterMs, SWEEP_BATCH, after.updatedAt, after.id],
    );
  }

  private async settle(claims: IdleClaim[]): Promise<number> {
    if (!claims.length) return 0;
    const jobIds = claims.map((c) => fulfillClaimJobId(c.id, c.fulfillment_round));
    const states = await Promise.all(jobIds.map((id) => this.queue.getJobState(id)));
    const lost = claims.filter((_, i) => states[i] === 'unknown');
    if (lost.length) {
      // Redis may have kept a job's record while losing the list or set that held it (an evicting
      // maxmemory policy evicts whole keys): adding its jobId again would then do nothing.
      await Promise.all(lost.map((claim) => this.queue.remove(jobIds[claims.indexOf(claim)])));
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
