/**
 * SQL condition on `campaigns`: the ones members may still be offered — live (a paused one takes
 * claims again on resume) and not past its end (its end job may not have run yet).
 */
export const OFFERABLE_CAMPAIGN = `status IN ('active', 'paused') AND ends_at > now()`;
