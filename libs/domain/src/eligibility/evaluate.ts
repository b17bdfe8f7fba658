import { EligibilityRules } from '../enums';
import { applicableRules } from './rules';
import { EligibilityResult, EvaluationContext, MemberFacts } from './types';

/**
 * In-memory evaluation: eligible, and a `{rule, required, actual}` reason for every failed rule.
 * `profile`: the profile rules alone, what an offer must keep meeting (its score rules are settled).
 */
export function evaluateEligibility(member: MemberFacts, rules: EligibilityRules, ctx: EvaluationContext, scope: 'all' | 'profile' = 'all'): EligibilityResult {
  const reasons = applicableRules(rules, scope)
    .filter((rule) => !rule.passes(member, rules, ctx))
    .map((rule) => ({ rule: rule.name, required: rule.required(rules, ctx), actual: rule.actual(member, rules, ctx) }));
  return { eligible: reasons.length === 0, reasons };
}
