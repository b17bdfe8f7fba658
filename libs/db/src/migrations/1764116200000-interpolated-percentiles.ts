import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Percentile thresholds are interpolated between ranks (`percentile_cont`) instead of taken at the
 * nearest rank (`percentile_disc`), so "at or above the 90th percentile" is the top 10% of distinct
 * scores (see PERCENTILE_FRACTIONS in @app/domain, copied here as it was). The stored thresholds
 * are recomputed the new way.
 */
const STEPS = Array.from({ length: 101 }, (_, p) => p);

export class InterpolatedPercentiles1764116200000 implements MigrationInterface {
  name = 'InterpolatedPercentiles1764116200000';

  async up(q: QueryRunner): Promise<void> {
    await this.recompute(q, 'percentile_cont', STEPS.map((p) => (p === 0 || p === 100 ? p / 100 : p / 100 - 1e-12)));
  }

  async down(q: QueryRunner): Promise<void> {
    await this.recompute(q, 'percentile_disc', STEPS.map((p) => p / 100));
  }

  private async recompute(q: QueryRunner, aggregate: 'percentile_cont' | 'percentile_disc', fractions: number[]): Promise<void> {
    await q.query(
      `UPDATE score_distributions d SET thresholds = s.thresholds, refreshed_at = now()
       FROM (SELECT provider, ${aggregate}($1::float8[]) WITHIN GROUP (ORDER BY score) AS thresholds
             FROM member_scores GROUP BY provider) s
       WHERE s.provider = d.provider`,
      [fractions],
    );
  }
}
