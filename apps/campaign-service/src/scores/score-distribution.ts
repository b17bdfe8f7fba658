import { DataSource, EntityManager } from 'typeorm';
import { TrailingRun } from '@app/db';
import { PERCENTILE_FRACTIONS } from '@app/domain';
import { enqueueInTransaction, jobIdFor } from '@app/queue';

/**
 * Moved thresholds are re-matched once per window, just after it closes: the refreshes of one
 * window share a jobId, so a burst of batches re-matches once, and a steady feed every window.
 */
const PERCENTILE_REMATCH_WINDOW_MS = 2000;

/**
 * Recomputes a provider's 101 percentile thresholds from its current scores in one
 * aggregate, so `minPercentile` later resolves to a score without sorting per request.
 * Other members' scores move the thresholds too, so a member may come to qualify for a live
 * percentile campaign without a score change of their own: a `rematch-percentiles` job is queued
 * with the refresh (a later refresh's job supersedes it). Call it after the scores' transaction
 * committed: the refresh it returns begins after the call.
 */
export function refreshScoreDistribution(dataSource: DataSource, provider: string): Promise<void> {
  let runs = refreshes.get(dataSource);
  if (!runs) refreshes.set(dataSource, (runs = new TrailingRun()));
  return runs.run(provider, () => refreshNow(dataSource, provider));
}

/**
 * Each refresh is an aggregate over all the provider's scores: the refreshes asked for by a burst
 * of score batches or erasures collapse into the one running and one after it (150 erasures at
 * once each held a connection waiting for its turn, and the API ran out of them).
 */
const refreshes = new WeakMap<DataSource, TrailingRun>();

/**
 * The provider's distribution lock, to the end of the transaction: a refresh takes it alone; a score
 * batch shares it with other batches, so no refresh runs while the batch is being written and one
 * stored after the batch's `clock_timestamp()` (taken once it holds the lock) read the batch's scores.
 */
export async function lockScoreDistribution(m: EntityManager, provider: string, mode: 'refresh' | 'batch'): Promise<void> {
  const lock = mode === 'refresh' ? 'pg_advisory_xact_lock' : 'pg_advisory_xact_lock_shared';
  await m.query(`SELECT ${lock}(hashtext('score_distributions'), hashtext($1))`, [provider]);
}

async function refreshNow(dataSource: DataSource, provider: string): Promise<void> {
  await dataSource.transaction(async (m) => {
    // One refresh of a provider at a time, each reading the scores as of after the previous one: two
    // batches' refreshes at once could otherwise store the one that read the older scores last.
    await lockScoreDistribution(m, provider, 'refresh');
    const [refreshed]: unknown[] = await m.query(
      `WITH d AS (
         SELECT percentile_cont($2::float8[]) WITHIN GROUP (ORDER BY score) AS thresholds, count(*)::int AS n
         FROM member_scores WHERE provider = $1
       ),
       gone AS (DELETE FROM score_distributions WHERE provider = $1 AND (SELECT n FROM d) = 0)
       INSERT INTO score_distributions (provider, thresholds, member_count, refreshed_at)
       SELECT $1, thresholds, n, clock_timestamp() FROM d WHERE n > 0
       ON CONFLICT (provider) DO UPDATE
         SET thresholds = EXCLUDED.thresholds, member_count = EXCLUDED.member_count, refreshed_at = EXCLUDED.refreshed_at
       RETURNING 1`,
      [provider, PERCENTILE_FRACTIONS],
    );
    const [live] = await m.query(
      `SELECT 1 FROM campaigns WHERE status IN ('active', 'paused') AND eligibility->>'provider' = $1 AND eligibility->>'minPercentile' IS NOT NULL LIMIT 1`,
      [provider],
    );
    if (!refreshed || !live) return;
    const window = Math.floor(Date.now() / PERCENTILE_REMATCH_WINDOW_MS);
    await enqueueInTransaction(m, {
      queue: 'matching',
      name: 'rematch-percentiles',
      data: { provider },
      jobId: jobIdFor('rematch-percentiles', provider, window),
      runAt: new Date((window + 1) * PERCENTILE_REMATCH_WINDOW_MS + 250),
    });
  });
}
