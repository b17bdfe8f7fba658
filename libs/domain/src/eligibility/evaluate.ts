import { EligibilityRules } from '../enums';
import { applicableRules } from './rules';
import { EligibilityResult, EvaluationContext, MemberFacts } from './types';

/** In-memory evaluation: eligible, and a `{rule, required, actual}` reason for every failed rule. */
export function evaluateEligibility(member: MemberFacts, rules: EligibilityRules, ctx: EvaluationContext): EligibilityResult {
  const reasons = applicableRules(rules)
    .filter((rule) => !rule.passes(member, rules, ctx))
    .map((rule) => ({ rule: rule.name, required: rule.required(rules, ctx), actual: rule.actual(member, rules, ctx) }));
  return { eligible: reasons.length === 0, reasons };
}
