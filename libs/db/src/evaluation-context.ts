import { EntityManager } from 'typeorm';
import { EvaluationContext, utcDate } from '@app/domain';

/**
 * The provider's percentile thresholds as they are now, and today's date: resolved once, so a
 * matching run, an audience count or an eligibility answer uses one fixed distribution in memory and SQL alike.
 */
export async function loadEvaluationContext(manager: EntityManager, provider: string): Promise<EvaluationContext> {
  const [row] = await manager.query(`SELECT thresholds FROM score_distributions WHERE provider = $1`, [provider]);
  return { today: utcDate(new Date()), thresholds: (row?.thresholds as number[] | undefined) ?? null };
}
