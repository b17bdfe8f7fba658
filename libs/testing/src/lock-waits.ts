import { DataSource } from 'typeorm';

/**
 * Polls until some session of `db`'s database waits on a lock (the request or job a test raced
 * against a transaction it holds has reached that lock); false if none did within `timeoutMs`.
 */
export async function waitForLockWaiter(db: DataSource, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ n }]: { n: number }[] = await db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (n > 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
