import { Inject, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, UnrecoverableError } from 'bullmq';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { MicroBatcher } from '@app/db';
import { PerkKind } from '@app/domain';
import { JobHandlers, JobPayloads, JobProcessor, QUEUES, roundOfFulfillJob } from '@app/queue';
import { ClaimFailureService } from './claim-failure.service';
import { DigitalCodeFulfiller } from './digital-code.fulfiller';
import { ExperienceFulfiller } from './experience.fulfiller';
import { CodePoolEmptyError, FulfillmentOutcome } from './fulfillment-outcome';
import { PhysicalFulfiller } from './physical.fulfiller';
import { PermanentShippingError } from './shipping/shipping-provider';

const outcomes = new Counter({ name: 'fulfillment_jobs_total', help: 'fulfill-claim runs by outcome', labelNames: ['outcome'] });

/**
 * `fulfill-claim`: reloads the claim and fulfils it by perk kind. Every path is idempotent
 * (state guards plus unique constraints), so a retried or taken-over job changes nothing
 * twice. Permanent problems become UnrecoverableError; after the last attempt the claim is
 * marked failed here, before BullMQ records the failure (a crash in between re-runs the job,
 * which then finds the claim failed and does nothing).
 */
@Processor(QUEUES.fulfillment.name, { autorun: false })
export class FulfillClaimProcessor extends JobProcessor<'fulfillment'> implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(FulfillClaimProcessor.name);
  protected readonly queueKey = 'fulfillment' as const;
  protected readonly handlers: JobHandlers<'fulfillment'> = { 'fulfill-claim': (job) => this.fulfil(job) };
  private readonly kinds: MicroBatcher<string, { kind: PerkKind } | null>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly codes: DigitalCodeFulfiller,
    private readonly physical: PhysicalFulfiller,
    private readonly experience: ExperienceFulfiller,
    private readonly failures: ClaimFailureService,
  ) {
    super();
    this.kinds = new MicroBatcher((ids) => this.loadKinds(ids), { maxBatch: 500, maxConcurrent: 2 });
  }

  onApplicationBootstrap(): void {
    const { concurrency, lockMs } = this.config.fulfillment;
    // Options from the validated config; the decorator is evaluated before the config exists.
    Object.assign(this.worker.opts, { lockDuration: lockMs, lockRenewTime: lockMs / 2, stalledInterval: lockMs, maxStalledCount: 5 });
    this.worker.concurrency = concurrency;
    void this.worker.run().catch((error: Error) => this.logger.error(`fulfillment worker stopped: ${error.message}`));
  }

  /**
   * SIGTERM: stop taking jobs and let the active ones finish for up to FULFILLMENT_SHUTDOWN_MS;
   * then close without waiting. Jobs cut off keep their lock until it expires and are then
   * taken over by another worker (idempotent re-run).
   */
  async beforeApplicationShutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.config.fulfillment.shutdownMs)));
    // pause() stops fetching and resolves once the active jobs are done; close(force) must come
    // after it, because a second close() only returns the first one's promise.
    const result = await Promise.race([this.worker.pause().then(() => 'drained' as const), bound]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.logger.warn('active fulfillment jobs did not finish in time; they will be taken over once their lock expires');
    }
    await this.worker.close(result === 'timeout');
  }

  /** Redis hiccups surface here; BullMQ reconnects by itself and jobs are re-run idempotently. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`fulfillment worker: ${error.message}`);
  }

  /** A job that failed without reaching the handler's last-attempt path (e.g. stalled too often). */
  @OnWorkerEvent('failed')
  async onFailed(job: Job<JobPayloads['fulfill-claim']> | undefined, error: Error): Promise<void> {
    const final = error instanceof UnrecoverableError || (job?.attemptsMade ?? 0) >= (job?.opts.attempts ?? 1);
    if (!job || !final) return;
    await this.failures.markFailed(job.data.claimId, roundOfFulfillJob(job.id), error.message).catch(() => undefined);
  }

  private async fulfil(job: Job<JobPayloads['fulfill-claim']>): Promise<FulfillmentOutcome> {
    const { claimId } = job.data;
    const round = roundOfFulfillJob(job.id);
    try {
      const claim = await this.kinds.submit(claimId);
      const outcome = !claim ? 'skipped' : await this.byKind(claim.kind, claimId, round);
      outcomes.inc({ outcome });
      return outcome;
    } catch (error) {
      const permanent = error instanceof CodePoolEmptyError || error instanceof PermanentShippingError || error instanceof UnrecoverableError;
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      outcomes.inc({ outcome: permanent ? 'permanent_failure' : 'error' });
      if (permanent || lastAttempt) await this.failures.markFailed(claimId, round, (error as Error).message);
      throw permanent && !(error instanceof UnrecoverableError) ? new UnrecoverableError((error as Error).message) : error;
    }
  }

  private byKind(kind: PerkKind, claimId: string, round: number): Promise<FulfillmentOutcome> {
    switch (kind) {
      case PerkKind.DigitalCode:
        return this.codes.fulfil(claimId, round);
      case PerkKind.Physical:
        return this.physical.fulfil(claimId, round);
      case PerkKind.Experience:
        return this.experience.fulfil(claimId, round);
    }
  }

  private async loadKinds(ids: string[]): Promise<({ kind: PerkKind } | null)[]> {
    const rows: { id: string; perk_kind: PerkKind }[] = await this.dataSource.query(
      `SELECT c.id, k.perk_kind FROM claims c JOIN campaigns k ON k.id = c.campaign_id
       WHERE c.id = ANY($1::uuid[]) AND c.status = 'pending'`,
      [ids],
    );
    const kinds = new Map(rows.map((r) => [r.id, r.perk_kind]));
    return ids.map((id) => (kinds.has(id) ? { kind: kinds.get(id) as PerkKind } : null));
  }
}
