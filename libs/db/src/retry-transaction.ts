import { DataSource, EntityManager, QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

/** PostgreSQL's SQLSTATE of a failed query (e.g. '23505' unique_violation), else undefined. */
export function pgErrorCode(error: unknown): string | undefined {
  return error instanceof QueryFailedError ? (error.driverError as { code?: string } | undefined)?.code : undefined;
}

/** SQLSTATEs of a server that is going or gone: connection exceptions, shutdowns, no free connection. */
const UNAVAILABLE_STATES = /^(08...|57P0[123]|53300)$/;
/** pg's words for a connection that dropped under it, or that it no longer trusts after a drop. */
const DROPPED_CONNECTION = /^(Connection terminated|Client has encountered a connection error|Client was closed)/;
/** ENOENT: a Unix socket (DATABASE_URL `?host=/path`) that is not there while PostgreSQL is down. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);
/** A connection reset under a query (its socket's read or write) or as it opened, not a client hanging up on us. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);
const RESET_SYSCALLS = new Set(['read', 'write', 'connect']);

/**
 * The driver's error under TypeORM's QueryFailedError, or the error itself (the hot paths'
 * prepared statements throw pg's own), read duck-typed: socket errors come from Node's own realm
 * (not an instance of a sandbox's Error).
 */
function driverError(error: unknown): { code?: unknown; syscall?: unknown; message?: unknown } | null {
  const cause: unknown = error instanceof QueryFailedError ? error.driverError : error;
  return typeof cause === 'object' && cause !== null ? cause : null;
}

/** PostgreSQL could not be reached or went away mid-query: nothing to blame on the request, retry later. */
export function isDatabaseUnavailable(error: unknown): boolean {
  // TypeORM releases a transaction's connection when PostgreSQL ends it; the transaction's next statement then finds it gone.
  if (error instanceof QueryRunnerAlreadyReleasedError || error instanceof QueryRunnerProviderAlreadyReleasedError) return true;
  const cause = driverError(error);
  if (!cause) return false;
  const { code, syscall, message } = cause;
  if (typeof code === 'string' && UNAVAILABLE_STATES.test(code)) return true;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code) && (syscall === 'connect' || syscall === 'getaddrinfo')) return true;
  if (typeof code === 'string' && RESET_CODES.has(code) && RESET_SYSCALLS.has(syscall as string)) return true;
  return typeof message === 'string' && DROPPED_CONNECTION.test(message);
}

/** query_canceled (a statement_timeout, or an operator's pg_cancel_backend) and lock_not_available (a lock_timeout). */
const CANCELED_STATES = new Set(['57014', '55P03']);

/**
 * PostgreSQL gave up on the statement: a statement_timeout or lock_timeout ran out (set on the
 * database or role by a DBA, or by us) or an operator cancelled it. Nothing was done; a retry
 * may find the database less busy.
 */
export function isStatementCanceled(error: unknown): boolean {
  const code = driverError(error)?.code;
  return typeof code === 'string' && CANCELED_STATES.has(code);
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
