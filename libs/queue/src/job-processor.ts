import { Logger, OnModuleInit } from '@nestjs/common';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { connectionErrorLogger } from './connection-errors';
import { JobName, JobPayloads, QueueKey, QUEUES } from './queues';

export type JobHandlers<K extends QueueKey> = {
  [N in JobName<K>]: (job: Job<N extends keyof JobPayloads ? JobPayloads[N] : never>) => Promise<unknown>;
};

/**
 * A queue's processor: one handler for each job name of the contract, checked at boot
 * so a worker never starts with a job it cannot run. Handler errors propagate to BullMQ
 * (retry, then failed); nothing is swallowed here. The worker's own errors (Redis hiccups; BullMQ
 * reconnects by itself and jobs are re-run idempotently) are logged as warnings, a few at most.
 */
export abstract class JobProcessor<K extends QueueKey> extends WorkerHost implements OnModuleInit {
  protected abstract readonly queueKey: K;
  protected abstract readonly handlers: JobHandlers<K>;
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
    this.workerErrors ??= connectionErrorLogger(new Logger(this.constructor.name), `${QUEUES[this.queueKey].name} worker`);
    this.workerErrors(error);
  }

  async process(job: Job): Promise<unknown> {
    const handler = (this.handlers as Record<string, (job: Job) => Promise<unknown>>)[job.name];
    // Retrying cannot help a job this worker does not know (kept in the failed list for an admin).
    if (!handler) throw new UnrecoverableError(`No handler for job ${job.name} on ${QUEUES[this.queueKey].name}`);
    return handler(job);
  }
}
