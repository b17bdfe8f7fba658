import { Logger, OnModuleInit } from '@nestjs/common';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { Counter } from 'prom-client';
import { connectionErrorLogger } from './connection-errors';
import { JobName, JobPayloads, QueueKey, QUEUES } from './queues';

const failedRuns = new Counter({
  name: 'queue_job_failures_total',
  help: 'Job runs that failed, by queue; final="true" when BullMQ keeps the job failed (no attempt left, or permanent)',
  labelNames: ['queue', 'final'],
});

/** Whether BullMQ keeps a job failed after this run: no attempt left, or a permanent error. */
export function keptFailed(job: Job | undefined, error: Error): boolean {
  return !job || error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
}

export type JobHandlers<K extends QueueKey> = {
  [N in JobName<K>]: (job: Job<N extends keyof JobPayloads ? JobPayloads[N] : never>) => Promise<unknown>;
};

/**
 * A queue's processor: one handler for each job name of the contract, checked at boot
 * so a worker never starts with a job it cannot run. Handler errors propagate to BullMQ
 * (retry, then failed); nothing is swallowed here. The worker's own errors (Redis hiccups; BullMQ
 * reconnects by itself and jobs are re-run idempotently) are logged as warnings, a few at most.
 * Every failed run is counted and logged (a retry at info, the last one as a warning); the
 * error's message only where it cannot quote a member (`logsErrorMessages`).
 */
export abstract class JobProcessor<K extends QueueKey> extends WorkerHost implements OnModuleInit {
  protected abstract readonly queueKey: K;
  protected abstract readonly handlers: JobHandlers<K>;
  /** false where an error may quote personal data (a carrier refusing an address): its class is logged instead */
  protected readonly logsErrorMessages: boolean = true;
  private readonly runLogger = new Logger(this.constructor.name);
  private workerErrors?: (error: Error) => void;

  onModuleInit(): void {
    const expected = [...QUEUES[this.queueKey].jobs].sort();
    const actual = Object.keys(this.handlers).sort();
    if (expected.join() !== actual.join()) {
      throw new Error(`Queue ${QUEUES[this.queueKey].name}: handlers [${actual}] do not match jobs [${expected}]`);
    }
  }

  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.workerErrors ??= connectionErrorLogger(this.runLogger, `${QUEUES[this.queueKey].name} worker`);
    this.workerErrors(error);
  }

  @OnWorkerEvent('failed')
  logFailedRun(job: Job | undefined, error: Error): void {
    const queue = QUEUES[this.queueKey].name;
    const final = keptFailed(job, error);
    failedRuns.inc({ queue, final: String(final) });
    const what = `${queue} job ${job?.name ?? '?'} ${job?.id ?? '?'} failed (attempt ${job?.attemptsMade ?? '?'} of ${job?.opts.attempts ?? 1})`;
    const why = this.logsErrorMessages ? error.message : error.name;
    if (final) this.runLogger.warn(`${what}; kept failed: ${why}`);
    else this.runLogger.log(`${what}; retried later: ${why}`);
  }

  async process(job: Job): Promise<unknown> {
    const handler = (this.handlers as Record<string, (job: Job) => Promise<unknown>>)[job.name];
    // Retrying cannot help a job this worker does not know (kept in the failed list for an admin).
    if (!handler) throw new UnrecoverableError(`No handler for job ${job.name} on ${QUEUES[this.queueKey].name}`);
    return handler(job);
  }
}
