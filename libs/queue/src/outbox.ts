import { EntityManager } from 'typeorm';
import { JobPayloads, QueueKey, QUEUES } from './queues';

export const OUTBOX_CHANNEL = 'outbox';

export interface OutboxJob<N extends keyof JobPayloads> {
  queue: QueueKey;
  name: N;
  data: JobPayloads[N];
  /** BullMQ jobId: derive it from the business key so a job is never added twice */
  jobId: string;
  runAt?: Date;
}

/**
 * A BullMQ job id from a business key, e.g. `jobIdFor('match-campaign', campaignId)`.
 * BullMQ 6 refuses ids containing ':' (its key separator) or plain integers.
 */
export function jobIdFor(...parts: (string | number)[]): string {
  return parts.join('.');
}

function assertValidJobId(jobId: string): void {
  if (jobId.includes(':') || /^\d+$/.test(jobId) || !jobId) {
    throw new Error(`Invalid BullMQ jobId "${jobId}": no ':' and not an integer; build it with jobIdFor()`);
  }
}

/**
 * Records jobs in the caller's transaction; they reach BullMQ through the outbox relay
 * only if that transaction commits, and even if Redis is down at the time.
 */
export async function enqueueInTransaction<N extends keyof JobPayloads>(
  manager: EntityManager,
  jobs: OutboxJob<N> | OutboxJob<N>[],
): Promise<void> {
  const list = Array.isArray(jobs) ? jobs : [jobs];
  if (!list.length) return;
  list.forEach((job) => assertValidJobId(job.jobId));
  const rows = list.map((job) => ({
    queue: QUEUES[job.queue].name,
    job_name: job.name,
    job_id: job.jobId,
    payload: job.data,
    run_at: (job.runAt ?? new Date()).toISOString(),
  }));
  await manager.query(
    `INSERT INTO outbox (queue, job_name, job_id, payload, run_at)
     SELECT queue, job_name, job_id, payload, run_at
     FROM jsonb_to_recordset($1::jsonb) AS x(queue text, job_name text, job_id text, payload jsonb, run_at timestamptz)`,
    [JSON.stringify(rows)],
  );
  await manager.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
}
