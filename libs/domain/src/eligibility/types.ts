import { EligibilityRules } from '../enums';

/** What eligibility reads about one member, for the campaign's provider. */
export interface MemberFacts {
  /** false when the member never saved a profile */
  hasProfile: boolean;
  optedIn: boolean;
  /** ISO 3166-1 alpha-2, upper case */
  country: string | null;
  /** `YYYY-MM-DD` */
  birthDate: string | null;
  /** current score for the rules' provider; null when that provider never scored the member */
  score: number | null;
  /** topic slug → score, from the same provider */
  topics: Record<string, number>;
}

/** Inputs resolved once per evaluation (or per matching run) so memory and SQL see the same values. */
export interface EvaluationContext {
  /** `YYYY-MM-DD` (UTC) the ages are computed on */
  today: string;
  /** the provider's 101 percentile thresholds (index p = p-th percentile); null when it has no scores */
  thresholds: number[] | null;
}

export interface EligibilityReason {
  rule: string;
  required: unknown;
  actual: unknown;
}

export interface EligibilityResult {
  eligible: boolean;
  /** one entry per failed rule */
  reasons: EligibilityReason[];
}

/** A rule's SQL predicate over `member_scores s` (see ELIGIBLE_MEMBERS_FROM). */
export interface SqlFragment {
  condition: string;
  params: unknown[];
}

/**
 * One eligibility rule, defined once and read two ways: `passes` evaluates it in memory,
 * `sql` translates it to a predicate over {@link ELIGIBLE_MEMBERS_FROM}. Placeholders in
 * `sql` are written `?` and numbered by the caller.
 */
export interface EligibilityRule {
  name: string;
  /**
   * A rule on the member's own profile (opt-in, country, age). An offer settles the score rules
   * for the campaign's life (no take-back when a score drops); these must keep holding, and an
   * offer whose member no longer meets them is withdrawn.
   */
  profile?: true;
  applies(rules: EligibilityRules): boolean;
  required(rules: EligibilityRules, ctx: EvaluationContext): unknown;
  actual(member: MemberFacts, rules: EligibilityRules, ctx: EvaluationContext): unknown;
  passes(member: MemberFacts, rules: EligibilityRules, ctx: EvaluationContext): boolean;
  sql(rules: EligibilityRules, ctx: EvaluationContext): SqlFragment;
}

/**
 * A topic as providers score it and campaigns target it: lower-case letters and digits in
 * words joined by `-` or `_` (`tech`, `home-decor`, `tech_news`). One rule for both sides, so
 * every scored topic can be targeted.
 */
export const TOPIC_SLUG = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
