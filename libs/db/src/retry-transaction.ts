import { DataSource, EntityManager, QueryFailedError } from 'typeorm';

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

/** PostgreSQL's SQLSTATE of a failed query (e.g. '23505' unique_violation), else undefined. */
export function pgErrorCode(error: unknown): string | undefined {
  return error instanceof QueryFailedError ? (error.driverError as { code?: string } | undefined)?.code : undefined;
}

export function isRetryableConflict(error: unknown): boolean {
  return RETRYABLE.has(pgErrorCode(error) ?? '');
}

/**
 * A transaction run again (up to 3 times, after a short random pause) when PostgreSQL broke a
 * deadlock by rolling it back: writers of one campaign's rows after its end (admin cancels, the
 * refund job, Stripe's refund events) may meet in a cycle, and the loser should not answer 500.
 */
export async function transactionRetryingConflicts<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      if (attempt >= ATTEMPTS || !isRetryableConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * attempt));
    }
  }
}
