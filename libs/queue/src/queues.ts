import type { DefaultJobOptions } from 'bullmq';

/**
 * The queue wire contract: every queue and job name in one place.
 * Renaming a queue or job strands the jobs already in Redis: drain first.
 */
export const QUEUES = {
  matching: { name: 'matching', jobs: ['match-campaign', 'match-member', 'rematch-percentiles'] },
  notifications: { name: 'notifications', jobs: ['notify-offers'] },
  fulfillment: { name: 'fulfillment', jobs: ['fulfill-claim'] },
  lifecycle: { name: 'campaign-lifecycle', jobs: ['start-campaign', 'end-campaign'] },
  payments: { name: 'payments', jobs: ['refund-campaign', 'refund-funding'] },
} as const;

export type QueueKey = keyof typeof QUEUES;
export type QueueName = (typeof QUEUES)[QueueKey]['name'];
export type JobName<K extends QueueKey> = (typeof QUEUES)[K]['jobs'][number];

/** Payloads carry ids only; processors reload state from PostgreSQL. */
export interface JobPayloads {
  'match-campaign': { campaignId: string };
  /**
   * scoresAt (a score batch's): the member's new score is in every distribution of the provider
   * refreshed after this instant; before that, its percentile rules are left to the refresh's
   * rematch-percentiles job. Absent for a profile change.
   */
  'match-member': { memberId: string; provider: string; scoresAt?: string };
  /** the provider's percentile thresholds moved */
  'rematch-percentiles': { provider: string };
  /** without memberIds: every offer of the campaign not yet notified (sent once a matching run finishes) */
  'notify-offers': { campaignId: string; memberIds?: string[] };
  'fulfill-claim': { claimId: string };
  'start-campaign': { campaignId: string };
  'end-campaign': { campaignId: string };
  'refund-campaign': { campaignId: string };
  /** full refund of a payment that funds nothing (paid after a cancel, or for a budget since edited) */
  'refund-funding': { fundingId: string };
}

export const ALL_QUEUE_NAMES: QueueName[] = Object.values(QUEUES).map((q) => q.name);

/**
 * BullMQ priorities (higher runs later; a job without one runs before any that has one). A score
 * batch queues a match-member job per changed score: thousands of them must not hold a campaign's
 * launch matching (match-campaign) behind them.
 */
export const JOB_PRIORITIES: Partial<Record<keyof JobPayloads, number>> = { 'match-member': 10 };

/**
 * Every worker but fulfillment's (configured by FULFILLMENT_LOCK_MS): a job whose worker died is
 * taken over once its 15 s lock lapses, and fails for stalling only after 5 such deaths (BullMQ's
 * default, 1, gave up a matching run for good when its worker was killed twice). Every processor
 * resumes or re-runs idempotently.
 */
export const WORKER_OPTIONS = { lockDuration: 15_000, stalledInterval: 15_000, maxStalledCount: 5 } as const;

const DAY_SECONDS = 86_400;

/**
 * Retries are explicit: exponential backoff from 1 s, failed jobs kept for inspection. Eleven
 * attempts wait 1, 2, 4 … 512 s between them, about 17 minutes in all, so a database or Redis
 * restart, or a carrier's bad quarter hour, neither fails a claim nor gives up a matching run.
 * A failed job is kept 30 days (removed as a later one of its queue fails): there is one per
 * claim or member, each holding its attempts' stack traces (~13 kB for 11 attempts), and the
 * claim row keeps its outcome; kept for good, they filled Redis a little more with every failure.
 */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 11,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: DAY_SECONDS, count: 10000 },
  removeOnFail: { age: 30 * DAY_SECONDS },
} as const;

/**
 * Nothing else starts or ends a campaign at its time, or sends a refund: these jobs keep trying
 * for about three days (19 attempts, the last ones a day and a half apart), in view in
 * /admin/queues meanwhile, rather than leave a campaign live past its end. Failed, they are kept
 * for good (a few per campaign at most): an admin acts on them there, e.g. retries a refund.
 * A completed fulfillment job is removed at once: the claim row holds what it did, and trimming a
 * kept set (one removal per completion) cost Redis a quarter more work per fulfilment. A job added
 * again for a finished claim (a relay retry, the sweep) finds it done and changes nothing.
 */
const JOB_OPTIONS_BY_QUEUE: Partial<Record<QueueName, DefaultJobOptions>> = {
  [QUEUES.lifecycle.name]: { ...DEFAULT_JOB_OPTIONS, attempts: 19, removeOnFail: false },
  [QUEUES.payments.name]: { ...DEFAULT_JOB_OPTIONS, attempts: 19, removeOnFail: false },
  [QUEUES.fulfillment.name]: { ...DEFAULT_JOB_OPTIONS, removeOnComplete: true },
};

/** The options every producer of `queue` adds its jobs with. */
export function jobOptionsFor(queue: QueueName): DefaultJobOptions {
  return JOB_OPTIONS_BY_QUEUE[queue] ?? DEFAULT_JOB_OPTIONS;
}

/**
 * How long after it was due a job of `queue` may still be in Redis, retrying or kept as failed:
 * its whole retry schedule plus a day. BullMQ's exponential backoff waits delay × 2^k before retry
 * k + 1, so the attempts - 1 waits together stay under delay × 2^(attempts-1): ~17 minutes for most
 * queues, ~3 days for the lifecycle and payments ones.
 */
export function retryHorizonSeconds(queue: QueueName): number {
  const { attempts = 1, backoff } = jobOptionsFor(queue);
  const delayMs = typeof backoff === 'number' ? backoff : (backoff?.delay ?? 0);
  return Math.ceil((delayMs * 2 ** (attempts - 1)) / 1000) + DAY_SECONDS;
}
