import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { Campaign, loadEvaluationContext } from '@app/db';
import { ELIGIBLE_MEMBERS_FROM, EligibilityRules, eligibilitySql, utcDate } from '@app/domain';
import { TestApp } from '@app/testing';
import { refreshScoreDistribution } from '../src/scores/score-distribution';
import { EligibilityService } from '../src/eligibility/eligibility.service';
import { AudienceService } from '../src/audience/audience.service';
import { createCampaignServiceApp } from './app';
import { SCORES_TEST_OPTIONS } from './scores-fixtures';

const TOPICS = ['tech', 'gaming', 'art', 'food'];
const COUNTRIES = ['US', 'CA', 'GB', 'DE'];
const DAY_MS = 86_400_000;

/** Scores drawn from a few values (ties, exact boundaries) and from anywhere in 0..100. */
const score = fc.oneof(fc.constantFrom(0, 10, 25.5, 50, 75, 100), fc.double({ min: 0, max: 100, noNaN: true }));

/** Birth dates clustered around 18th birthdays today (and 29 February), plus anywhere in 70 years. */
const birthDate = fc.oneof(
  fc.integer({ min: -3, max: 3 }).map((d) => {
    const today = new Date();
    return utcDate(new Date(Date.UTC(today.getUTCFullYear() - 18, today.getUTCMonth(), today.getUTCDate()) + d * DAY_MS));
  }),
  fc.constantFrom('2004-02-29', '2008-02-29', '2008-02-28', '2008-03-01'),
  fc.integer({ min: 0, max: 70 * 365 }).map((d) => utcDate(new Date(Date.now() - d * DAY_MS))),
);

const member = fc.record({
  profile: fc.constantFrom(true, true, true, true, false),
  optedIn: fc.constantFrom(true, true, true, false),
  country: fc.option(fc.constantFrom(...COUNTRIES), { freq: 5 }),
  birthDate: fc.option(birthDate, { freq: 5 }),
  score: fc.option(score, { freq: 6 }),
  topics: fc.dictionary(fc.constantFrom(...TOPICS), score, { maxKeys: 3 }),
  /** saved again after the scores arrived: the score rows' profile copy must follow */
  later: fc.option(fc.record({ optedIn: fc.boolean(), country: fc.option(fc.constantFrom(...COUNTRIES)) }), { freq: 3 }),
});

const rules = fc.record(
  {
    minScore: score,
    minPercentile: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true })),
    topics: fc.uniqueArray(fc.constantFrom(...TOPICS), { maxLength: 3 }),
    minTopicScore: score,
    countries: fc.uniqueArray(fc.constantFrom(...COUNTRIES), { maxLength: 3 }),
    minAge: fc.oneof(fc.constant(18), fc.integer({ min: 0, max: 60 })),
  },
  { requiredKeys: [] },
);

describe('eligibility: SQL translation agrees with in-memory evaluation (property, real PostgreSQL)', () => {
  let t: TestApp;
  let eligibility: EligibilityService;
  let audience: AudienceService;

  beforeAll(async () => {
    t = await createCampaignServiceApp(SCORES_TEST_OPTIONS);
    eligibility = t.app.get(EligibilityService);
    audience = t.app.get(AudienceService);
  });
  afterAll(() => t.close());

  it('selects exactly the members explain() calls eligible, and the audience counts them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(member, { minLength: 1, maxLength: 12 }), rules, async (members, partialRules) => {
        const provider = `p${randomUUID().slice(0, 8)}`;
        const ids = members.map(() => randomUUID());
        await t.dataSource.query(
          `INSERT INTO users (id, email, role) SELECT id, 'prop-' || id || '@test.local', 'member' FROM unnest($1::uuid[]) AS id`,
          [ids],
        );
        const rows = members.map((m, i) => ({ id: ids[i], ...m, birth_date: m.birthDate, opted_in: m.optedIn }));
        await t.dataSource.query(
          `INSERT INTO member_profiles (member_id, country, birth_date, opted_in)
           SELECT id, country, birth_date, opted_in FROM jsonb_to_recordset($1::jsonb)
             AS x(id uuid, country text, birth_date date, opted_in boolean)`,
          [JSON.stringify(rows.filter((r) => r.profile))],
        );
        await t.dataSource.query(
          `INSERT INTO member_scores (provider, member_id, score, topics, scored_at)
           SELECT $1, id, score, topics, now() FROM jsonb_to_recordset($2::jsonb) AS x(id uuid, score float8, topics jsonb)`,
          [provider, JSON.stringify(rows.filter((r) => r.score !== null))],
        );
        const later = rows.filter((r) => r.later).map((r) => ({ id: r.id, opted_in: r.later?.optedIn, country: r.later?.country }));
        await t.dataSource.query(
          `INSERT INTO member_profiles (member_id, opted_in, country)
           SELECT id, opted_in, country FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, opted_in boolean, country text)
           ON CONFLICT (member_id) DO UPDATE SET opted_in = EXCLUDED.opted_in, country = EXCLUDED.country`,
          [JSON.stringify(later)],
        );
        await refreshScoreDistribution(t.dataSource, provider);

        const campaignRules: EligibilityRules = { provider, ...partialRules };
        const ctx = await loadEvaluationContext(t.dataSource.manager, provider);
        const { where, params } = eligibilitySql(campaignRules, ctx, 2);
        const selected: { member_id: string }[] = await t.dataSource.query(
          `SELECT s.member_id FROM ${ELIGIBLE_MEMBERS_FROM} WHERE s.member_id = ANY($1::uuid[]) AND ${where}`,
          [ids, ...params],
        );
        const campaign = { eligibility: campaignRules } as Campaign;
        const explained = await Promise.all(ids.map((id) => eligibility.explain(id, campaign)));
        const inMemory = ids.filter((_, i) => explained[i].eligible).sort();
        expect(selected.map((r) => r.member_id).sort()).toEqual(inMemory);
        explained.forEach((result) => expect(result.eligible).toBe(result.reasons.length === 0));
        // Each run has its own provider, so the audience sees exactly these members.
        expect((await audience.preview(campaign)).eligibleMembers).toBe(inMemory.length);
      }),
      { numRuns: 150 },
    );
  });
});
