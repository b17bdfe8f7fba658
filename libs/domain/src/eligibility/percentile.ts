/** Percentiles resolved against a provider's 101 stored thresholds (p = 0..100). */
export const PERCENTILE_STEPS = 101;

/**
 * The p-th percentile (p = 0..100) of a provider's scores, linearly interpolated between the two
 * nearest ranks (`percentile_cont`, as spreadsheets and numpy compute it): with distinct scores,
 * "at or above the 90th percentile" is the top 10%. p / 100 is not exact in binary (0.07 * 100 is
 * 7.000000000000001) and an error upward would lift a threshold that falls exactly on a member's
 * score above it; the fraction is therefore taken a hair low (1e-12: far below the 0.01 step
 * between grid positions, far above float8's error at a million scores); 0 and 1 are exact.
 */
export const PERCENTILE_FRACTIONS = Array.from({ length: PERCENTILE_STEPS }, (_, p) => (p === 0 || p === 100 ? p / 100 : p / 100 - 1e-12));

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
