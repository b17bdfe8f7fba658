import type { Campaign } from '../api/types';
import { emptyForm, formFromCampaign, toCampaignInput } from './campaign-form';

const now = new Date('2026-11-26T00:00:00Z');

describe('toCampaignInput', () => {
  it('builds the API body with only the rules that were filled in', () => {
    const form = { ...emptyForm(now), name: ' Launch ', perkTitle: 'Free beans', unitCost: '2.50', totalUnits: '10', minScore: '40', countries: 'us ca', topics: 'Tech, gaming' };
    const { input, errors } = toCampaignInput(form, now);
    expect(errors).toEqual({});
    expect(input).toEqual({
      name: 'Launch',
      description: '',
      perk: { kind: 'digital_code', title: 'Free beans', unitCostCents: 250 },
      totalUnits: 10,
      perMemberLimit: 1,
      startsAt: null,
      endsAt: '2026-12-26T23:59:59.000Z',
      eligibility: { provider: 'klout', minScore: 40, topics: ['tech', 'gaming'], countries: ['US', 'CA'] },
    });
  });

  it('refuses half-typed numbers, bad codes and an end before the start', () => {
    const form = { ...emptyForm(now), name: 'x', perkTitle: 'y', totalUnits: '1.5', minPercentile: '101', countries: 'USA', startsAt: '2027-02-01', endsAt: '2027-01-01' };
    const { input, errors } = toCampaignInput(form, now);
    expect(input).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual(['countries', 'minPercentile', 'startsAt', 'totalUnits']);
  });

  it('takes plain decimals only, money with at most two', () => {
    const base = { ...emptyForm(now), name: 'x', perkTitle: 'y', unitCost: '1', totalUnits: '1' };
    for (const unitCost of ['1e3', '0x10', '12.345', '1,50', '-1', '.5']) expect(toCampaignInput({ ...base, unitCost }, now).errors).toHaveProperty('unitCost');
    for (const totalUnits of ['1e1', '10.0', '+5']) expect(toCampaignInput({ ...base, totalUnits }, now).errors).toHaveProperty('totalUnits');
    expect(toCampaignInput({ ...base, minScore: '1e1' }, now).errors).toHaveProperty('minScore');
    const { input } = toCampaignInput({ ...base, unitCost: '12.5', totalUnits: '10', minScore: '42.25' }, now);
    expect(input).toMatchObject({ perk: { unitCostCents: 1250 }, totalUnits: 10, eligibility: { minScore: 42.25 } });
  });

  it('clears a draft\'s start when the start date is emptied', () => {
    const campaign: Campaign = {
      id: 'c3', status: 'draft', reviewStatus: 'pending', name: 'Soon', description: '',
      perk: { kind: 'digital_code', title: 'Code', unitCostCents: 100 }, totalUnits: 1, perMemberLimit: 1,
      startsAt: '2027-02-01T00:00:00.000Z', endsAt: '2027-03-01T23:59:59.000Z', fundingRequiredCents: 110, createdAt: '2026-11-26T00:00:00Z',
      eligibility: { provider: 'klout' },
    };
    expect(toCampaignInput({ ...formFromCampaign(campaign), startsAt: '' }, now, campaign).input).toMatchObject({ startsAt: null });
  });

  it('takes the topics providers score, with - or _ between words', () => {
    const base = { ...emptyForm(now), name: 'x', perkTitle: 'y', unitCost: '1', totalUnits: '1' };
    expect(toCampaignInput({ ...base, topics: 'tech_news, home-coffee' }, now).input?.eligibility.topics).toEqual(['tech_news', 'home-coffee']);
    expect(toCampaignInput({ ...base, topics: 'tech_' }, now).errors).toHaveProperty('topics');
  });

  it('takes topics separated by commas only: words with a space between are one topic written wrongly, not two', () => {
    const base = { ...emptyForm(now), name: 'x', perkTitle: 'y', unitCost: '1', totalUnits: '1' };
    const { input, errors } = toCampaignInput({ ...base, topics: 'tech, Home Coffee' }, now);
    expect(input).toBeUndefined();
    expect(errors.topics).toMatch(/commas.*home-coffee/);
    expect(toCampaignInput({ ...base, topics: ' tech ,gaming,, ' }, now).input?.eligibility.topics).toEqual(['tech', 'gaming']);
  });

  it('round-trips a saved campaign', () => {
    const campaign: Campaign = {
      id: 'c1', status: 'draft', reviewStatus: 'pending', name: 'Launch', description: 'd',
      perk: { kind: 'physical', title: 'Mug', unitCostCents: 1299 }, totalUnits: 5, perMemberLimit: 2,
      startsAt: null, endsAt: '2027-01-01T23:59:59.000Z', fundingRequiredCents: 7145, createdAt: '2026-11-26T00:00:00Z',
      eligibility: { provider: 'peerindex', minAge: 21, countries: ['DE'] },
    };
    const { input } = toCampaignInput(formFromCampaign(campaign), now);
    expect(input).toMatchObject({ perk: campaign.perk, totalUnits: 5, perMemberLimit: 2, endsAt: campaign.endsAt, eligibility: campaign.eligibility });
  });

  it('keeps what the form cannot show of the draft it edits: the times of day and rules set through the API', () => {
    const campaign: Campaign = {
      id: 'c2', status: 'draft', reviewStatus: 'approved', name: 'Timed', description: '',
      perk: { kind: 'experience', title: 'Tour', unitCostCents: 500 }, totalUnits: 7, perMemberLimit: 1,
      startsAt: '2027-02-01T15:30:00.000Z', endsAt: '2027-03-01T10:00:00.000Z', fundingRequiredCents: 3850, createdAt: '2026-11-26T00:00:00Z',
      eligibility: { provider: 'klout', minScore: 40, minAccountAgeDays: 30 },
    };
    const renamed = toCampaignInput({ ...formFromCampaign(campaign), name: 'Renamed', minScore: '50' }, now, campaign).input;
    expect(renamed).toMatchObject({ name: 'Renamed', startsAt: campaign.startsAt, endsAt: campaign.endsAt, eligibility: { provider: 'klout', minScore: 50, minAccountAgeDays: 30 } });
    // A day changed in the form is that day's start or end (UTC).
    const moved = toCampaignInput({ ...formFromCampaign(campaign), endsAt: '2027-03-05' }, now, campaign).input;
    expect(moved).toMatchObject({ startsAt: campaign.startsAt, endsAt: '2027-03-05T23:59:59.000Z' });
  });
});
