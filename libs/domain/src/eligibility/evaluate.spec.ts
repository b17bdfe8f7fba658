import { EligibilityRules } from '../enums';
import { ageOn, latestBirthDateForAge } from './dates';
import { evaluateEligibility } from './evaluate';
import { percentileOf, percentileThreshold } from './percentile';
import { eligibilitySql } from './to-sql';
import { EvaluationContext, MemberFacts } from './types';

const thresholds = Array.from({ length: 101 }, (_, p) => p * 0.8);
const ctx: EvaluationContext = { today: '2026-11-26', thresholds };
const member = (over: Partial<MemberFacts> = {}): MemberFacts => ({
  hasProfile: true,
  optedIn: true,
  country: 'US',
  birthDate: '1990-05-01',
  score: 60,
  topics: { tech: 45, gaming: 10 },
  ...over,
});
const rules = (over: Partial<EligibilityRules> = {}): EligibilityRules => ({ provider: 'klout', ...over });

describe('evaluateEligibility', () => {
  it('accepts a member who meets every rule', () => {
    const all = rules({ minScore: 50, minPercentile: 70, topics: ['tech'], minTopicScore: 40, countries: ['US'], minAge: 18 });
    expect(evaluateEligibility(member(), all, ctx)).toEqual({ eligible: true, reasons: [] });
  });

  it('explains every failed rule with required and actual values', () => {
    const all = rules({ minScore: 70, minPercentile: 90, topics: ['tech', 'art'], minTopicScore: 50, countries: ['CA', 'GB'], minAge: 40 });
    expect(evaluateEligibility(member(), all, ctx).reasons).toEqual([
      { rule: 'score', required: 70, actual: 60 },
      { rule: 'percentile', required: 90, actual: 75 },
      { rule: 'topics', required: { anyOf: ['tech', 'art'], minTopicScore: 50 }, actual: { tech: 45 } },
      { rule: 'country', required: ['CA', 'GB'], actual: 'US' },
      { rule: 'age', required: 40, actual: 36 },
    ]);
  });

  it('requires an opted-in profile', () => {
    expect(evaluateEligibility(member({ optedIn: false }), rules(), ctx).reasons).toEqual([{ rule: 'optedIn', required: true, actual: false }]);
    expect(evaluateEligibility(member({ hasProfile: false, optedIn: false }), rules(), ctx).eligible).toBe(false);
  });

  it('requires a score from the campaign provider', () => {
    const result = evaluateEligibility(member({ score: null, topics: {} }), rules({ minScore: 10 }), ctx);
    expect(result.reasons.map((r) => r.rule)).toEqual(['provider', 'score']);
    expect(result.reasons[0]).toEqual({ rule: 'provider', required: 'klout', actual: null });
  });

  it('counts having a listed topic when no minimum topic score is set', () => {
    expect(evaluateEligibility(member(), rules({ topics: ['gaming'] }), ctx).eligible).toBe(true);
    expect(evaluateEligibility(member(), rules({ topics: ['art'] }), ctx).eligible).toBe(false);
    expect(evaluateEligibility(member(), rules({ topics: ['gaming'], minTopicScore: 11 }), ctx).eligible).toBe(false);
  });

  it('asks for any topic at minTopicScore when no topics are listed', () => {
    expect(evaluateEligibility(member(), rules({ minTopicScore: 45 }), ctx).eligible).toBe(true);
    expect(evaluateEligibility(member(), rules({ topics: [], minTopicScore: 46 }), ctx).reasons).toEqual([
      { rule: 'topics', required: { anyOf: null, minTopicScore: 46 }, actual: { tech: 45, gaming: 10 } },
    ]);
    expect(evaluateEligibility(member({ topics: {} }), rules({ minTopicScore: 0 }), ctx).eligible).toBe(false);
    expect(eligibilitySql(rules({ minTopicScore: 46 }), ctx)).toEqual({
      where: expect.stringContaining('jsonb_each_text(s.topics)'),
      params: ['klout', 46],
    });
  });

  it('asks nothing of a member for minAge 0, not even a birth date', () => {
    expect(evaluateEligibility(member({ birthDate: null }), rules({ minAge: 0 }), ctx)).toEqual({ eligible: true, reasons: [] });
    expect(evaluateEligibility(member({ birthDate: null }), rules({ minAge: 1 }), ctx).reasons).toEqual([{ rule: 'age', required: 1, actual: null }]);
  });

  it('ignores empty topic and country lists', () => {
    expect(evaluateEligibility(member({ country: null }), rules({ topics: [], countries: [] }), ctx).eligible).toBe(true);
  });

  it('fails the percentile rule when the provider has no distribution', () => {
    const result = evaluateEligibility(member(), rules({ minPercentile: 1 }), { ...ctx, thresholds: null });
    expect(result.reasons).toEqual([{ rule: 'percentile', required: 1, actual: null }]);
  });

  it('is at the minimum age on the birthday, not the day before', () => {
    const r = rules({ minAge: 18 });
    expect(evaluateEligibility(member({ birthDate: '2008-11-26' }), r, ctx).eligible).toBe(true);
    expect(evaluateEligibility(member({ birthDate: '2008-11-27' }), r, ctx).reasons).toEqual([{ rule: 'age', required: 18, actual: 17 }]);
    expect(evaluateEligibility(member({ birthDate: null }), r, ctx).reasons).toEqual([{ rule: 'age', required: 18, actual: null }]);
  });
});

describe('dates', () => {
  it('clamps 29 February like PostgreSQL', () => {
    expect(latestBirthDateForAge('2028-02-29', 1)).toBe('2027-02-28');
    expect(latestBirthDateForAge('2028-02-29', 4)).toBe('2024-02-29');
    expect(ageOn('2008-02-29', '2026-02-28')).toBe(17);
    expect(ageOn('2008-02-29', '2026-03-01')).toBe(18);
  });
});

describe('percentiles', () => {
  it('rounds fractional percentiles up and reports the highest reached', () => {
    expect(percentileThreshold(thresholds, 92.5)).toBe(thresholds[93]);
    expect(percentileThreshold(null, 90)).toBeNull();
    expect(percentileOf(thresholds, 0)).toBe(0);
    expect(percentileOf(thresholds, 80)).toBe(100);
    expect(percentileOf(thresholds, 79.9)).toBe(99);
  });
});

describe('eligibilitySql', () => {
  it('numbers placeholders from the given index and keeps the ?| operator', () => {
    const sql = eligibilitySql(rules({ minScore: 10, topics: ['tech'], countries: ['US'] }), ctx, 3);
    expect(sql.where).toBe('(s.opted_in) AND (s.provider = $3) AND (s.score >= $4::float8) AND (s.topics ?| $5::text[]) AND (s.country::text = ANY($6::text[]))');
    expect(sql.params).toEqual(['klout', 10, ['tech'], ['US']]);
  });

  it('expands topic minimums into one comparison per topic', () => {
    const sql = eligibilitySql(rules({ topics: ['a', 'b'], minTopicScore: 5 }), ctx);
    expect(sql.where).toContain('((s.topics->>$2)::float8 >= $3::float8 OR (s.topics->>$4)::float8 >= $5::float8)');
    expect(sql.params.slice(1)).toEqual(['a', 5, 'b', 5]);
  });
});
