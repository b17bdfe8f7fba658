import type { EligibilityReason } from '../api/types';

const show = (value: unknown): string => {
  if (value === null || value === undefined || value === '') return 'none';
  if (Array.isArray(value)) return value.length ? value.join(', ') : 'none';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
};

/** A failed eligibility rule (`{rule, required, actual}`) as a sentence for the member. */
export function describeReason({ rule, required, actual }: EligibilityReason): string {
  switch (rule) {
    case 'minScore':
      return `Your score is ${show(actual)}; this perk needs ${show(required)} or more.`;
    case 'minPercentile':
      return `Your score is in the ${show(actual)}th percentile; this perk needs the ${show(required)}th or higher.`;
    case 'topics':
    case 'minTopicScore':
      return `This perk is for people influential in ${show(required)}; your topics: ${show(actual)}.`;
    case 'countries':
    case 'country':
      return `This perk is available in ${show(required)}; your country: ${show(actual)}.`;
    case 'minAge':
    case 'age':
      return `You must be at least ${show(required)} years old; your age: ${show(actual)}.`;
    case 'provider':
    case 'score':
      return `This perk needs a ${show(required)} score, and we have none for you yet.`;
    case 'optedIn':
      return 'Turn on "Show me perks" in your profile to qualify.';
    case 'profile':
      return 'Complete your profile (country and birth date) to qualify.';
    default:
      return `${rule}: needs ${show(required)}, you have ${show(actual)}.`;
  }
}
