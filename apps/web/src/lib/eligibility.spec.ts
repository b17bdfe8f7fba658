import { describeReason, describeRules } from './eligibility';

describe('describeReason', () => {
  it('explains each rule the API reports in words', () => {
    expect(describeReason({ rule: 'score', required: 50, actual: 35.25 })).toBe('Your score is 35.3; this perk needs 50 or more.');
    expect(describeReason({ rule: 'country', required: ['US', 'CA'], actual: 'FR' })).toBe('This perk is available in US, CA; your country: FR.');
    expect(describeReason({ rule: 'age', required: 21, actual: null })).toBe('You must be at least 21 years old; your age: none.');
    expect(describeReason({ rule: 'provider', required: 'klout', actual: null })).toBe('This perk uses klout scores, and we have no klout score for you yet.');
    expect(describeReason({ rule: 'topics', required: { anyOf: ['tech', 'gaming'], minTopicScore: 30 }, actual: { tech: 12 } })).toBe(
      'This perk is for people influential in tech, gaming (a topic score of 30 or more); yours: tech 12.',
    );
    expect(describeReason({ rule: 'topics', required: { anyOf: ['tech'], minTopicScore: null }, actual: {} })).toBe(
      'This perk is for people influential in tech; yours: none.',
    );
  });

  it('explains the account-age rule of the abuse controls', () => {
    expect(describeReason({ rule: 'minAccountAgeDays', required: 30, actual: 2 })).toBe('Your account must be at least 30 days old for this perk; it is 2 days old.');
  });

  it('still says something for a rule it does not know', () => {
    expect(describeReason({ rule: 'accountAge', required: 30, actual: 2 })).toBe('accountAge: needs 30, you have 2.');
  });
});

describe('describeRules', () => {
  it('sums up the targeting in one line', () => {
    expect(describeRules({ provider: 'klout' })).toBe('klout score');
    expect(describeRules({ provider: 'klout', minScore: 50, minPercentile: 90, topics: ['tech', 'gaming'], minTopicScore: 30, countries: ['US', 'CA'], minAge: 21 })).toBe(
      'klout score ≥ 50 · top 10% · topics tech, gaming (≥ 30) · in US, CA · 21+',
    );
  });
});
