import { EntityManager } from 'typeorm';
import { EvaluationContext, utcDate } from '@app/domain';

/** The provider's percentile thresholds as they are now: a run matches against one fixed distribution. */
export async function loadEvaluationContext(manager: EntityManager, provider: string): Promise<EvaluationContext> {
  const [row] = await manager.query(`SELECT thresholds FROM score_distributions WHERE provider = $1`, [provider]);
  return { today: utcDate(new Date()), thresholds: (row?.thresholds as number[] | undefined) ?? null };
}
