import type { EligibilityReason, EligibilityRules } from '../api/types';

const show = (value: unknown): string => {
  if (value === null || value === undefined || value === '') return 'none';
  if (Array.isArray(value)) return value.length ? value.join(', ') : 'none';
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length ? entries.map(([key, v]) => `${key} ${show(v)}`).join(', ') : 'none';
  }
  if (typeof value === 'number') return String(Math.round(value * 10) / 10);
  return String(value);
};

/** `{anyOf: [...], minTopicScore}` as the eligibility rules report the topic requirement. */
function topicRequirement(required: unknown): string {
  if (typeof required !== 'object' || required === null || Array.isArray(required)) return show(required);
  const { anyOf, minTopicScore } = required as { anyOf?: unknown; minTopicScore?: unknown };
  const topics = show(anyOf);
  return minTopicScore === null || minTopicScore === undefined ? topics : `${topics} (a topic score of ${show(minTopicScore)} or more)`;
}

/** A failed eligibility rule (`{rule, required, actual}`) as a sentence for the member. */
export function describeReason({ rule, required, actual }: EligibilityReason): string {
  switch (rule) {
    case 'optedIn':
      return 'Turn on “Show me perks” in your profile (and complete it) to qualify.';
    case 'provider':
      return `This perk uses ${show(required)} scores, and we have no ${show(required)} score for you yet.`;
    case 'score':
    case 'minScore':
      return `Your score is ${show(actual)}; this perk needs ${show(required)} or more.`;
    case 'percentile':
    case 'minPercentile':
      return `Your score is in the ${show(actual)}th percentile; this perk needs the ${show(required)}th or higher.`;
    case 'topics':
    case 'minTopicScore':
      return `This perk is for people influential in ${topicRequirement(required)}; yours: ${show(actual)}.`;
    case 'country':
    case 'countries':
      return `This perk is available in ${show(required)}; your country: ${show(actual)}.`;
    case 'age':
    case 'minAge':
      return `You must be at least ${show(required)} years old; your age: ${show(actual)}.`;
    case 'minAccountAgeDays':
      return `Your account must be at least ${show(required)} days old for this perk; it is ${show(actual)} days old.`;
    default:
      return `${rule}: needs ${show(required)}, you have ${show(actual)}.`;
  }
}

/** A campaign's targeting rules in one line, e.g. "klout score ≥ 50 · topics tech, gaming · in US, CA · 18+". */
export function describeRules(rules: EligibilityRules): string {
  const parts = [`${rules.provider} score${rules.minScore !== undefined && rules.minScore !== null ? ` ≥ ${rules.minScore}` : ''}`];
  if (rules.minPercentile !== undefined && rules.minPercentile !== null) parts.push(`top ${Math.max(0, 100 - rules.minPercentile)}%`);
  if (rules.topics?.length) {
    const min = rules.minTopicScore !== undefined && rules.minTopicScore !== null ? ` (≥ ${rules.minTopicScore})` : '';
    parts.push(`topics ${rules.topics.join(', ')}${min}`);
  }
  if (rules.countries?.length) parts.push(`in ${rules.countries.join(', ')}`);
  if (rules.minAge !== undefined && rules.minAge !== null) parts.push(`${rules.minAge}+`);
  return parts.join(' · ');
}
