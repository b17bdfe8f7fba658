/** Percentiles resolved against a provider's 101 stored thresholds (p = 0..100). */
export const PERCENTILE_STEPS = 101;

/**
 * The score a member needs to be at or above the p-th percentile. Fractional `p` rounds
 * up: 92.5 needs the 93rd percentile's score. Null when the provider has no scores.
 */
export function percentileThreshold(thresholds: number[] | null, minPercentile: number): number | null {
  if (!thresholds || thresholds.length !== PERCENTILE_STEPS) return null;
  const p = Math.min(100, Math.max(0, Math.ceil(minPercentile)));
  return thresholds[p];
}

/** The highest whole percentile whose threshold the score reaches (0..100). */
export function percentileOf(thresholds: number[] | null, score: number): number | null {
  if (!thresholds || thresholds.length !== PERCENTILE_STEPS) return null;
  let p = 0;
  for (let i = 0; i < thresholds.length; i++) if (score >= thresholds[i]) p = i;
  return p;
}
