import { EligibilityRules } from '../enums';
import { applicableRules } from './rules';
import { EvaluationContext } from './types';

/**
 * The row source the SQL translation is written against: a provider's score rows, which
 * carry a trigger-maintained copy of the member's profile (opted_in, country, birth_date).
 */
export const ELIGIBLE_MEMBERS_FROM = 'member_scores s';

export interface EligibilitySql {
  /** predicates joined with AND, placeholders numbered from `firstParam` */
  where: string;
  params: unknown[];
}

/**
 * The SQL translation of the same rule list {@link evaluateEligibility} reads: a WHERE
 * clause over {@link ELIGIBLE_MEMBERS_FROM} whose placeholders start at `$firstParam`;
 * `profile`: the profile rules alone (opt-in always applies).
 */
export function eligibilitySql(rules: EligibilityRules, ctx: EvaluationContext, firstParam = 1, scope: 'all' | 'profile' = 'all'): EligibilitySql {
  const params: unknown[] = [];
  const conditions = applicableRules(rules, scope).map((rule) => {
    const fragment = rule.sql(rules, ctx);
    let index = 0;
    const condition = fragment.condition.replace(/\?(?!\||&)/g, () => {
      params.push(fragment.params[index++]);
      return `$${firstParam + params.length - 1}`;
    });
    return `(${condition})`;
  });
  return { where: conditions.join(' AND '), params };
}
