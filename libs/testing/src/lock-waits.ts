import { DataSource } from 'typeorm';

/**
 * Polls until some session of `db`'s database waits on a lock (the request or job a test raced
 * against a transaction it holds has reached that lock); throws if none did within `timeoutMs`.
 * Generous by default: on a busy CI machine the request may take seconds to get there, and a test
 * that went on without it would race nothing and fail on something else.
 */
export async function waitForLockWaiter(db: DataSource, timeoutMs = 30_000, stepMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ n }]: { n: number }[] = await db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (n > 0) return;
    if (Date.now() > deadline) throw new Error(`no session waited on a lock within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
