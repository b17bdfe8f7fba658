import { describeReason } from './eligibility';

describe('describeReason', () => {
  it('explains each known rule in words', () => {
    expect(describeReason({ rule: 'minScore', required: 50, actual: 35 })).toBe('Your score is 35; this perk needs 50 or more.');
    expect(describeReason({ rule: 'countries', required: ['US', 'CA'], actual: 'FR' })).toBe(
      'This perk is available in US, CA; your country: FR.',
    );
    expect(describeReason({ rule: 'minAge', required: 21, actual: null })).toBe('You must be at least 21 years old; your age: none.');
  });

  it('still says something for a rule it does not know', () => {
    expect(describeReason({ rule: 'accountAge', required: 30, actual: 2 })).toBe('accountAge: needs 30, you have 2.');
  });
});
