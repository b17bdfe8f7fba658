import { EligibilityRules } from '../enums';
import { latestBirthDateForAge, ageOn } from './dates';
import { percentileOf, percentileThreshold } from './percentile';
import { EligibilityRule, MemberFacts } from './types';

const hasTopicScore = (member: MemberFacts, topic: string, min: number | undefined): boolean =>
  Object.prototype.hasOwnProperty.call(member.topics, topic) && (min === undefined || member.topics[topic] >= min);

const listed = (values: string[] | undefined): values is string[] => Array.isArray(values) && values.length > 0;
const given = (value: number | null | undefined): value is number => value !== undefined && value !== null;

/**
 * THE definition of eligibility. Every rule here is evaluated in memory (member views,
 * claims) and translated to SQL (audience, matching); a property test checks both agree.
 * Order is the order reasons are reported in.
 */
export const ELIGIBILITY_RULES: readonly EligibilityRule[] = [
  {
    name: 'optedIn',
    profile: true,
    applies: () => true,
    required: () => true,
    actual: (m) => m.hasProfile && m.optedIn,
    passes: (m) => m.hasProfile && m.optedIn,
    sql: () => ({ condition: 's.opted_in', params: [] }),
  },
  {
    name: 'provider',
    applies: () => true,
    required: (r) => r.provider,
    actual: (m, r) => (m.score === null ? null : r.provider),
    passes: (m) => m.score !== null,
    sql: (r) => ({ condition: 's.provider = ?', params: [r.provider] }),
  },
  {
    name: 'score',
    applies: (r) => given(r.minScore),
    required: (r) => r.minScore,
    actual: (m) => m.score,
    passes: (m, r) => m.score !== null && m.score >= (r.minScore as number),
    sql: (r) => ({ condition: 's.score >= ?::float8', params: [r.minScore] }),
  },
  {
    name: 'percentile',
    applies: (r) => given(r.minPercentile),
    required: (r) => r.minPercentile,
    actual: (m, _r, ctx) => (m.score === null ? null : percentileOf(ctx.thresholds, m.score)),
    passes: (m, r, ctx) => {
      const threshold = percentileThreshold(ctx.thresholds, r.minPercentile as number);
      return m.score !== null && threshold !== null && m.score >= threshold;
    },
    sql: (r, ctx) => {
      const threshold = percentileThreshold(ctx.thresholds, r.minPercentile as number);
      return threshold === null ? { condition: 'false', params: [] } : { condition: 's.score >= ?::float8', params: [threshold] };
    },
  },
  {
    // Without listed topics, minTopicScore asks for any topic at that score.
    name: 'topics',
    applies: (r) => listed(r.topics) || given(r.minTopicScore),
    required: (r) => ({ anyOf: listed(r.topics) ? r.topics : null, minTopicScore: r.minTopicScore ?? null }),
    actual: (m, r) => (listed(r.topics) ? Object.fromEntries(r.topics.filter((t) => t in m.topics).map((t) => [t, m.topics[t]])) : m.topics),
    passes: (m, r) => (listed(r.topics) ? r.topics : Object.keys(m.topics)).some((t) => hasTopicScore(m, t, r.minTopicScore ?? undefined)),
    sql: (r) => {
      if (!listed(r.topics)) {
        return { condition: 'EXISTS (SELECT 1 FROM jsonb_each_text(s.topics) t WHERE t.value::float8 >= ?::float8)', params: [r.minTopicScore] };
      }
      if (!given(r.minTopicScore)) return { condition: 's.topics ?| ?::text[]', params: [r.topics] };
      const min = r.minTopicScore;
      return {
        condition: `(${r.topics.map(() => `(s.topics->>?)::float8 >= ?::float8`).join(' OR ')})`,
        params: r.topics.flatMap((t) => [t, min]),
      };
    },
  },
  {
    name: 'country',
    profile: true,
    applies: (r) => listed(r.countries),
    required: (r) => r.countries,
    actual: (m) => m.country,
    passes: (m, r) => m.country !== null && (r.countries ?? []).includes(m.country),
    sql: (r) => ({ condition: 's.country::text = ANY(?::text[])', params: [r.countries] }),
  },
  {
    name: 'age',
    profile: true,
    // 0 asks nothing: a member who gave no birth date is not refused for it.
    applies: (r) => given(r.minAge) && r.minAge > 0,
    required: (r) => r.minAge,
    actual: (m, _r, ctx) => (m.birthDate === null ? null : ageOn(m.birthDate, ctx.today)),
    passes: (m, r, ctx) => m.birthDate !== null && m.birthDate <= latestBirthDateForAge(ctx.today, r.minAge as number),
    sql: (r, ctx) => ({ condition: 's.birth_date <= ?::date', params: [latestBirthDateForAge(ctx.today, r.minAge as number)] }),
  },
];

export function applicableRules(rules: EligibilityRules, scope: 'all' | 'profile' = 'all'): EligibilityRule[] {
  return ELIGIBILITY_RULES.filter((rule) => rule.applies(rules) && (scope === 'all' || rule.profile));
}
