import { EntityManager } from 'typeorm';
import { PERCENTILE_FRACTIONS } from '@app/domain';

/**
 * Recomputes a provider's 101 percentile thresholds from its current scores in one
 * aggregate, so `minPercentile` later resolves to a score without sorting per request.
 */
export async function refreshScoreDistribution(manager: EntityManager, provider: string): Promise<void> {
  await manager.query(
    `WITH d AS (
       SELECT percentile_cont($2::float8[]) WITHIN GROUP (ORDER BY score) AS thresholds, count(*)::int AS n
       FROM member_scores WHERE provider = $1
     ),
     gone AS (DELETE FROM score_distributions WHERE provider = $1 AND (SELECT n FROM d) = 0)
     INSERT INTO score_distributions (provider, thresholds, member_count, refreshed_at)
     SELECT $1, thresholds, n, now() FROM d WHERE n > 0
     ON CONFLICT (provider) DO UPDATE
       SET thresholds = EXCLUDED.thresholds, member_count = EXCLUDED.member_count, refreshed_at = EXCLUDED.refreshed_at`,
    [provider, PERCENTILE_FRACTIONS],
  );
}
