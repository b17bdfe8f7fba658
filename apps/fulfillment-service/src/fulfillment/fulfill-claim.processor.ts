import { Inject, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { Counter } from 'prom-client';
import { APP_CONFIG, AppConfig } from '@app/config';
import { PerkKind } from '@app/domain';
import { JobHandlers, JobPayloads, JobProcessor, keptFailed, QUEUES, roundOfFulfillJob } from '@app/queue';
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
  // A carrier's refusal may quote the member's name and address.
  protected readonly logsErrorMessages = false;
  protected readonly handlers: JobHandlers<'fulfillment'> = { 'fulfill-claim': (job) => this.fulfil(job) };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly codes: DigitalCodeFulfiller,
    private readonly physical: PhysicalFulfiller,
    private readonly experience: ExperienceFulfiller,
    private readonly failures: ClaimFailureService,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    const { concurrency, lockMs } = this.config.fulfillment;
    // Options from the validated config; the decorator is evaluated before the config exists.
    Object.assign(this.worker.opts, { lockDuration: lockMs, lockRenewTime: lockMs / 2, stalledInterval: lockMs, maxStalledCount: 5 });
    // The worker copied the default lock times into its lock manager when it was built: without a
    // new one, locks shorter than 30 s expired before their first renewal and running jobs were
    // taken for stalled and run twice. run() below starts the new one.
    (this.worker as unknown as { createLockManager(): void }).createLockManager();
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

  /** A job that failed without reaching the handler's last-attempt path (e.g. stalled too often). */
  @OnWorkerEvent('failed')
  async onFailed(job: Job<JobPayloads['fulfill-claim']> | undefined, error: Error): Promise<void> {
    if (!job || !keptFailed(job, error)) return;
    await this.failures
      .markFailed(job.data.claimId, roundOfFulfillJob(job.id), error.message)
      .catch((cause: Error) => this.logger.warn(`claim ${job.data.claimId} not marked failed yet (the sweep will): ${cause.message}`));
  }

  private async fulfil(job: Job<JobPayloads['fulfill-claim']>): Promise<FulfillmentOutcome> {
    const { claimId } = job.data;
    const round = roundOfFulfillJob(job.id);
    try {
      const outcome = await this.run(claimId, round);
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

  /** Digital claims are done by the batch that also reads every claim's kind; the others follow by kind. */
  private async run(claimId: string, round: number): Promise<FulfillmentOutcome> {
    const result = await this.codes.step(claimId, round);
    switch (result.step) {
      case 'fulfilled':
      case 'skipped':
        return result.step;
      case 'pool_busy':
        throw new Error('every free code is being assigned by another worker; retrying');
      case 'pool_empty':
        throw new CodePoolEmptyError();
      case 'other_kind':
        return result.kind === PerkKind.Physical ? this.physical.fulfil(claimId, round) : this.experience.fulfil(claimId, round);
    }
  }
}
