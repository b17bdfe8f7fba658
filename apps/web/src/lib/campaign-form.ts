import type { Campaign, CampaignInput, EligibilityRules, PerkKind } from '../api/types';

/** The builder's fields as typed (strings), so half-typed numbers never reach the API. */
export interface CampaignForm {
  name: string;
  description: string;
  kind: PerkKind;
  perkTitle: string;
  unitCost: string;
  totalUnits: string;
  perMemberLimit: string;
  startsAt: string;
  endsAt: string;
  provider: string;
  minScore: string;
  minPercentile: string;
  topics: string;
  minTopicScore: string;
  countries: string;
  minAge: string;
}

export type FormErrors = Partial<Record<keyof CampaignForm, string>>;

const DAY = 24 * 60 * 60 * 1000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

export function emptyForm(now = new Date()): CampaignForm {
  return {
    name: '',
    description: '',
    kind: 'digital_code',
    perkTitle: '',
    unitCost: '5.00',
    totalUnits: '100',
    perMemberLimit: '1',
    startsAt: '',
    endsAt: isoDay(new Date(now.getTime() + 30 * DAY)),
    provider: 'klout',
    minScore: '',
    minPercentile: '',
    topics: '',
    minTopicScore: '',
    countries: '',
    minAge: '',
  };
}

const text = (value: number | undefined) => (value === undefined || value === null ? '' : String(value));

export function formFromCampaign(campaign: Campaign): CampaignForm {
  const rules = campaign.eligibility;
  return {
    name: campaign.name,
    description: campaign.description ?? '',
    kind: campaign.perk.kind,
    perkTitle: campaign.perk.title,
    unitCost: (campaign.perk.unitCostCents / 100).toFixed(2),
    totalUnits: String(campaign.totalUnits),
    perMemberLimit: String(campaign.perMemberLimit),
    startsAt: campaign.startsAt ? campaign.startsAt.slice(0, 10) : '',
    endsAt: campaign.endsAt.slice(0, 10),
    provider: rules.provider,
    minScore: text(rules.minScore),
    minPercentile: text(rules.minPercentile),
    topics: (rules.topics ?? []).join(', '),
    minTopicScore: text(rules.minTopicScore),
    countries: (rules.countries ?? []).join(', '),
    minAge: text(rules.minAge),
  };
}

/** A comma-separated list; `words` also splits on spaces (for items that never hold one). */
const list = (value: string, words = false) =>
  value
    .split(words ? /[,\s]+/ : ',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Rules the form edits; any other rule of a saved draft is sent back as it is. */
const FORM_RULES = ['provider', 'minScore', 'minPercentile', 'topics', 'minTopicScore', 'countries', 'minAge'] as const;

/** A day the form shows: the saved draft's own instant while the day is unchanged, else the day's start or end in UTC. */
function instant(day: string, saved: string | null | undefined, time: string): Date {
  return saved && saved.slice(0, 10) === day ? new Date(saved) : new Date(`${day}T${time}Z`);
}

/**
 * Validates the form and builds the API body; `input` is set only when there are no errors.
 * `saved` is the draft being edited: PATCH replaces the eligibility whole, so what the form
 * cannot show (a time of day, a rule set through the API) is carried over from it.
 */
export function toCampaignInput(form: CampaignForm, now = new Date(), saved?: Campaign): { input?: CampaignInput; errors: FormErrors } {
  const errors: FormErrors = {};
  // Plain decimals only: Number() would also take "1e3" or "0x10".
  const number = (field: keyof CampaignForm, min: number, max: number, integer: boolean, label: string, decimals = 6) => {
    const raw = form[field].trim();
    if (raw === '') return undefined;
    const written = (integer ? /^\d+$/ : new RegExp(`^\\d+(\\.\\d{1,${decimals}})?$`)).test(raw);
    const value = Number(raw);
    if (!written || value < min || value > max) {
      const kind = integer ? 'a whole number' : decimals === 2 ? 'an amount (at most 2 decimals)' : 'a number';
      errors[field] = `${label} must be ${kind} from ${min} to ${max}.`;
      return undefined;
    }
    return value;
  };

  if (!form.name.trim()) errors.name = 'Give the campaign a name.';
  if (!form.perkTitle.trim()) errors.perkTitle = 'Say what members get.';
  const unitCost = number('unitCost', 0.01, 100000, false, 'Cost per unit', 2);
  if (form.unitCost.trim() === '') errors.unitCost = 'Enter the cost of one unit.';
  const totalUnits = number('totalUnits', 1, 1000000, true, 'Units');
  if (form.totalUnits.trim() === '') errors.totalUnits = 'Enter how many units you give away.';
  const perMemberLimit = number('perMemberLimit', 1, 100, true, 'Limit per member') ?? 1;
  const minScore = number('minScore', 0, 100, false, 'Minimum score');
  const minPercentile = number('minPercentile', 0, 100, false, 'Minimum percentile');
  const minTopicScore = number('minTopicScore', 0, 100, false, 'Minimum topic score');
  const minAge = number('minAge', 13, 120, true, 'Minimum age');

  // Commas only: "home coffee" is one topic written wrongly, not "home" and "coffee" (a wider audience).
  const topics = list(form.topics.toLowerCase());
  if (topics.some((topic) => /\s/.test(topic))) {
    errors.topics = 'Separate topics with commas; join the words of one topic with - or _, e.g. home-coffee.';
  } else if (topics.some((topic) => !/^[a-z0-9]+([-_][a-z0-9]+)*$/.test(topic))) {
    errors.topics = 'Topics are words in lower case, e.g. tech, gaming, home-coffee, tech_news.';
  }
  const countries = list(form.countries.toUpperCase(), true);
  if (countries.some((country) => !/^[A-Z]{2}$/.test(country))) {
    errors.countries = 'Countries are two-letter codes, e.g. US, CA.';
  }
  if (!/^[a-z0-9_-]+$/.test(form.provider)) errors.provider = 'Choose a score provider.';

  const endsAt = form.endsAt ? instant(form.endsAt, saved?.endsAt, '23:59:59') : undefined;
  const startsAt = form.startsAt ? instant(form.startsAt, saved?.startsAt, '00:00:00') : undefined;
  if (!endsAt || Number.isNaN(endsAt.getTime())) errors.endsAt = 'Choose when the campaign ends.';
  else if (endsAt <= now) errors.endsAt = 'The end date must be in the future.';
  if (startsAt && endsAt && startsAt >= endsAt) errors.startsAt = 'The start must be before the end.';

  if (Object.keys(errors).length > 0 || unitCost === undefined || totalUnits === undefined || !endsAt) return { errors };

  const kept = Object.entries(saved?.eligibility ?? {}).filter(([rule]) => !(FORM_RULES as readonly string[]).includes(rule));
  const eligibility: EligibilityRules = { ...Object.fromEntries(kept), provider: form.provider };
  if (minScore !== undefined) eligibility.minScore = minScore;
  if (minPercentile !== undefined) eligibility.minPercentile = minPercentile;
  if (topics.length) eligibility.topics = topics;
  if (minTopicScore !== undefined) eligibility.minTopicScore = minTopicScore;
  if (countries.length) eligibility.countries = countries;
  if (minAge !== undefined) eligibility.minAge = minAge;

  return {
    errors,
    input: {
      name: form.name.trim(),
      description: form.description.trim(),
      perk: { kind: form.kind, title: form.perkTitle.trim(), unitCostCents: Math.round(unitCost * 100) },
      totalUnits,
      perMemberLimit,
      // null clears a draft's start: it then starts at launch
      startsAt: startsAt ? startsAt.toISOString() : null,
      endsAt: endsAt.toISOString(),
      eligibility,
    },
  };
}
