import { createBrand, createMember, loginAdmin, TestApp } from '@app/testing';
import { createCampaignServiceApp } from './app';
import { insertCampaign, insertMembers, KLOUT_KEY, postScores, SCORES_TEST_OPTIONS } from './scores-fixtures';

describe('GET /campaigns/:id/audience (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createCampaignServiceApp(SCORES_TEST_OPTIONS);
  });
  afterAll(() => t.close());

  it('counts opted-in eligible members by country and topic for the owning brand and admins only', async () => {
    const brand = await createBrand(t.http);
    const ids = await insertMembers(t.dataSource, [
      { country: 'US' },
      { country: 'US' },
      { country: 'CA' },
      { country: 'CA', optedIn: false },
      { country: 'DE' },
      { country: null },
    ]);
    await postScores(t.http, KLOUT_KEY, '2026-11-01T00:00:00Z', [
      { memberId: ids[0], score: 80, topics: [{ topic: 'tech', score: 70 }, { topic: 'food', score: 10 }] },
      { memberId: ids[1], score: 60, topics: [{ topic: 'food', score: 50 }] },
      { memberId: ids[2], score: 90, topics: [{ topic: 'tech', score: 20 }, { topic: 'food', score: 90 }] },
      { memberId: ids[3], score: 99, topics: [{ topic: 'tech', score: 99 }] },
      { memberId: ids[4], score: 10, topics: [{ topic: 'tech', score: 99 }] },
      { memberId: ids[5], score: 70 },
    ]).expect(202);

    const open = await insertCampaign(t.dataSource, { brandId: brand.brandId as string, eligibility: { provider: 'klout', minScore: 50 }, status: 'draft' });
    const res = await t.http.get(`/campaigns/${open}/audience`).set('Authorization', brand.auth).expect(200);
    expect(res.body).toEqual({ eligibleMembers: 4, byCountry: { US: 2, CA: 1 }, byTopic: { tech: 2, food: 3 } });

    const topical = await insertCampaign(t.dataSource, {
      brandId: brand.brandId as string,
      eligibility: { provider: 'klout', topics: ['tech', 'food'], minTopicScore: 50, countries: ['US', 'CA', 'DE'] },
    });
    const admin = await loginAdmin(t.http);
    const topicalRes = await t.http.get(`/campaigns/${topical}/audience`).set('Authorization', admin.auth).expect(200);
    expect(topicalRes.body).toEqual({ eligibleMembers: 4, byCountry: { US: 2, CA: 1, DE: 1 }, byTopic: { tech: 2, food: 2 } });

    const otherBrand = await createBrand(t.http);
    expect((await t.http.get(`/campaigns/${open}/audience`).set('Authorization', otherBrand.auth).expect(404)).body.code).toBe('NOT_FOUND');
    const member = await createMember(t.http);
    await t.http.get(`/campaigns/${open}/audience`).set('Authorization', member.auth).expect(403);
    await t.http.get(`/campaigns/not-a-uuid/audience`).set('Authorization', brand.auth).expect(404);
    await t.http.get(`/campaigns/${open}/audience`).expect(401);
  });

  it('splits a campaign without topic rules by the provider\'s 10 most common topics', async () => {
    const brand = await createBrand(t.http);
    const provider = 'topics-probe';
    const common = Array.from({ length: 10 }, (_, i) => `common-${i}`);
    const ids = await insertMembers(t.dataSource, [{}, {}, {}]);
    const topicsOf = (names: string[]) => JSON.stringify(Object.fromEntries(names.map((n) => [n, 50])));
    await t.dataSource.query(
      `INSERT INTO member_scores (provider, member_id, score, topics, scored_at) SELECT $1, unnest($2::uuid[]), 50, unnest($3::jsonb[]), now()`,
      [provider, ids, [topicsOf([...common, 'rare']), topicsOf(common), topicsOf([])]],
    );
    const campaign = await insertCampaign(t.dataSource, { brandId: brand.brandId as string, eligibility: { provider }, status: 'draft' });
    const res = await t.http.get(`/campaigns/${campaign}/audience`).set('Authorization', brand.auth).expect(200);
    expect(res.body).toEqual({ eligibleMembers: 3, byCountry: { US: 3 }, byTopic: Object.fromEntries(common.map((n) => [n, 2])) });
  });
});
