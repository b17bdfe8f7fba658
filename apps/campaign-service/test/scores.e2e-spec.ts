import { randomUUID } from 'node:crypto';
import { PERCENTILE_FRACTIONS, percentileThreshold } from '@app/domain';
import { createBrand, TestApp } from '@app/testing';
import { refreshScoreDistribution } from '../src/scores/score-distribution';
import { createCampaignServiceApp } from './app';
import { insertMembers as insertMembersWithTokens } from './claims/claims-fixtures';
import { insertBrand, insertCampaign, insertMembers, KLOUT_KEY, PEERINDEX_KEY, postScores, SCORES_TEST_OPTIONS } from './scores-fixtures';

describe('score ingestion (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createCampaignServiceApp(SCORES_TEST_OPTIONS);
  });
  afterAll(() => t.close());

  const current = (memberId: string, provider = 'klout') =>
    t.dataSource.query(`SELECT score, topics, scored_at FROM member_scores WHERE provider = $1 AND member_id = $2`, [provider, memberId]);

  it('accepts good items and rejects bad ones one by one with index and code', async () => {
    const [a, b] = await insertMembers(t.dataSource, [{}, {}]);
    const res = await postScores(t.http, KLOUT_KEY, '2026-11-01T00:00:00Z', [
      { memberId: a, score: 70, topics: [{ topic: 'tech', score: 60 }] },
      { memberId: randomUUID(), score: 50 },
      { memberId: b, score: 101 },
      { memberId: b, score: 40, topics: [{ topic: 'Tech', score: 10 }] },
      { memberId: b, score: 40 },
      { memberId: b, score: 41 },
      'garbage',
    ]).expect(202);
    expect(res.body).toEqual({
      accepted: 2,
      rejected: [
        { index: 1, code: 'UNKNOWN_MEMBER', message: expect.any(String) },
        { index: 2, code: 'INVALID_ITEM', message: expect.any(String) },
        { index: 3, code: 'INVALID_ITEM', message: expect.any(String) },
        { index: 5, code: 'DUPLICATE_ITEM', message: expect.any(String) },
        { index: 6, code: 'INVALID_ITEM', message: expect.any(String) },
      ],
    });
    expect(await current(a)).toEqual([{ score: 70, topics: { tech: 60 }, scored_at: new Date('2026-11-01T00:00:00Z') }]);
    expect(await current(b)).toEqual([expect.objectContaining({ score: 40, topics: {} })]);
  });

  it('changes nothing when the same (provider, member, scoredAt) is sent again', async () => {
    const [a] = await insertMembers(t.dataSource, [{}]);
    await postScores(t.http, KLOUT_KEY, '2026-11-02T00:00:00Z', [{ memberId: a, score: 30 }]).expect(202);
    const replay = await postScores(t.http, KLOUT_KEY, '2026-11-02T00:00:00Z', [{ memberId: a, score: 99 }]).expect(202);
    expect(replay.body).toEqual({ accepted: 1, rejected: [] });
    expect((await current(a))[0].score).toBe(30);
    const history = await t.dataSource.query(`SELECT score FROM score_history WHERE member_id = $1`, [a]);
    expect(history).toEqual([{ score: 30 }]);
  });

  it('never lets an older scoredAt overwrite a newer one, but keeps it in history', async () => {
    const [a] = await insertMembers(t.dataSource, [{}]);
    await postScores(t.http, KLOUT_KEY, '2026-11-10T00:00:00Z', [{ memberId: a, score: 80 }]).expect(202);
    await postScores(t.http, KLOUT_KEY, '2026-11-05T00:00:00Z', [{ memberId: a, score: 10 }]).expect(202);
    expect(await current(a)).toEqual([expect.objectContaining({ score: 80, scored_at: new Date('2026-11-10T00:00:00Z') })]);
    await postScores(t.http, KLOUT_KEY, '2026-11-12T00:00:00Z', [{ memberId: a, score: 85 }]).expect(202);
    expect((await current(a))[0].score).toBe(85);
    const history = await t.dataSource.query(`SELECT score FROM score_history WHERE member_id = $1 ORDER BY scored_at`, [a]);
    expect(history.map((h: { score: number }) => h.score)).toEqual([10, 80, 85]);
  });

  it('keeps providers apart: the key names the provider', async () => {
    const [a] = await insertMembers(t.dataSource, [{}]);
    await postScores(t.http, KLOUT_KEY, '2026-11-01T00:00:00Z', [{ memberId: a, score: 20 }]).expect(202);
    await postScores(t.http, PEERINDEX_KEY, '2026-11-01T00:00:00Z', [{ memberId: a, score: 90 }]).expect(202);
    expect((await current(a, 'klout'))[0].score).toBe(20);
    expect((await current(a, 'peerindex'))[0].score).toBe(90);
  });

  it('refuses a missing or unknown provider key with 401 UNAUTHORIZED, as a missing or invalid token', async () => {
    const missing = await t.http.post('/scores/batch').send({ scoredAt: '2026-11-01T00:00:00Z', scores: [] }).expect(401);
    expect(missing.body.code).toBe('UNAUTHORIZED');
    const wrong = await postScores(t.http, 'not-a-key', '2026-11-01T00:00:00Z', []).expect(401);
    expect(wrong.body.code).toBe('UNAUTHORIZED');
  });

  it('refuses more than 10,000 items, a bad envelope and a future scoredAt with 400', async () => {
    const memberId = randomUUID();
    const tooMany = Array.from({ length: 10_001 }, () => ({ memberId, score: 1 }));
    const res = await postScores(t.http, KLOUT_KEY, '2026-11-01T00:00:00Z', tooMany).expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'scores' })] });
    expect((await postScores(t.http, KLOUT_KEY, 'yesterday', []).expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect((await postScores(t.http, KLOUT_KEY, '2099-01-01T00:00:00Z', []).expect(400)).body.code).toBe('VALIDATION_FAILED');
    await t.http.post('/scores/batch').set('X-Provider-Key', KLOUT_KEY).send({ scoredAt: '2026-11-01T00:00:00Z', scores: 'x' }).expect(400);
    await t.http.post('/scores/batch').set('X-Provider-Key', KLOUT_KEY).send({ scoredAt: '2026-11-01T00:00:00Z', scores: [], extra: 1 }).expect(400);
  });

  it('ingests 10,000 items in one request and refreshes the distribution', async () => {
    const ids = await insertMembers(t.dataSource, Array.from({ length: 10_000 }, () => ({})));
    const res = await postScores(
      t.http,
      PEERINDEX_KEY,
      '2026-11-03T00:00:00Z',
      ids.map((memberId, i) => ({ memberId, score: i / 100, topics: [{ topic: 'tech', score: 50 }] })),
    ).expect(202);
    expect(res.body).toEqual({ accepted: 10_000, rejected: [] });
    const [dist] = await t.dataSource.query(`SELECT thresholds, member_count FROM score_distributions WHERE provider = 'peerindex'`);
    expect(dist.member_count).toBeGreaterThanOrEqual(10_000);
    expect(dist.thresholds).toHaveLength(101);
    expect(dist.thresholds[100]).toBe(99.99);
  });

  it('puts the p-th percentile where "at or above it" is the top (100 - p)%, even where p / 100 is inexact in binary', async () => {
    /** Scores given straight to a provider of their own, its thresholds refreshed, and how many members each percentile keeps. */
    const audienceByPercentile = async (provider: string, scores: number[]) => {
      const ids = await insertMembers(t.dataSource, scores.map(() => ({})));
      await t.dataSource.query(
        `INSERT INTO member_scores (provider, member_id, score, scored_at) SELECT $1, unnest($2::uuid[]), unnest($3::float8[]), now()`,
        [provider, ids, scores],
      );
      await refreshScoreDistribution(t.dataSource, provider);
      const [{ thresholds }] = await t.dataSource.query(`SELECT thresholds FROM score_distributions WHERE provider = $1`, [provider]);
      return PERCENTILE_FRACTIONS.map((_, p) => scores.filter((score) => score >= percentileThreshold(thresholds, p)!).length);
    };
    // 1..100: the 90th percentile is 90.1, so 90 and over is the top 10%, not 11 members
    const distinct = await audienceByPercentile('percentile-probe-a', Array.from({ length: 100 }, (_, i) => i + 1));
    expect(distinct.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, p) => 100 - p));
    expect(distinct[100]).toBe(1);
    // 0..100: every percentile falls exactly on a score (0.07 * 100 is 7.000000000000001 in binary), which it keeps
    expect(await audienceByPercentile('percentile-probe-b', Array.from({ length: 101 }, (_, i) => i))).toEqual(
      Array.from({ length: 101 }, (_, p) => 101 - p),
    );
  });

  it('refreshes one provider’s distribution at a time, each from the scores committed before it: the last stored is the current one', async () => {
    const provider = 'distribution-race';
    const thresholdsNow = async () =>
      (
        await t.dataSource.query(`SELECT percentile_cont($2::float8[]) WITHIN GROUP (ORDER BY score) AS t FROM member_scores WHERE provider = $1`, [
          provider,
          PERCENTILE_FRACTIONS,
        ])
      )[0].t;
    const stored = async () => (await t.dataSource.query(`SELECT thresholds FROM score_distributions WHERE provider = $1`, [provider]))[0]?.thresholds;
    await t.dataSource.query(`INSERT INTO member_scores (provider, member_id, score, scored_at) SELECT $1, unnest($2::uuid[]), 10, now()`, [
      provider,
      await insertMembers(t.dataSource, [{}, {}]),
    ]);
    // A refresh holding the provider's lock (as one computing) keeps the next one waiting.
    const runner = t.dataSource.createQueryRunner();
    await runner.startTransaction();
    await runner.query(`SELECT pg_advisory_xact_lock(hashtext('score_distributions'), hashtext($1))`, [provider]);
    let done = false;
    const waiting = refreshScoreDistribution(t.dataSource, provider).then(() => (done = true));
    // Scores committed while it waits are in what it stores.
    await t.dataSource.query(`INSERT INTO member_scores (provider, member_id, score, scored_at) SELECT $1, unnest($2::uuid[]), 90, now()`, [
      provider,
      await insertMembers(t.dataSource, [{}, {}, {}]),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(done).toBe(false);
    await runner.commitTransaction();
    await runner.release();
    await waiting;
    expect(await stored()).toEqual(await thresholdsNow());

    // Many at once, each after its own write: whichever finishes last stored the current scores.
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        Array.from({ length: 6 }, async (_, i) => {
          const ids = await insertMembers(t.dataSource, [{}, {}, {}]);
          await t.dataSource.query(`INSERT INTO member_scores (provider, member_id, score, scored_at) SELECT $1, unnest($2::uuid[]), $3, now()`, [
            provider,
            ids,
            i % 2 ? 99 : 1,
          ]);
          await refreshScoreDistribution(t.dataSource, provider);
        }),
      );
      expect(await stored()).toEqual(await thresholdsNow());
    }
  });

  it('refreshes the distribution once or twice for a burst of erasures and batches, ending on the scores left', async () => {
    const members = await insertMembersWithTokens(t, 30);
    const fresh = await insertMembers(t.dataSource, Array.from({ length: 30 }, () => ({})));
    await postScores(t.http, PEERINDEX_KEY, '2026-09-01T00:00:00Z', members.map((m, i) => ({ memberId: m.id, score: i }))).expect(202);
    const [{ before }] = await t.dataSource.query(`SELECT refreshed_at AS before FROM score_distributions WHERE provider = 'peerindex'`);
    const answers = await Promise.all([
      ...members.map((m) => t.http.delete('/me').set('Authorization', m.auth)),
      ...fresh.map((memberId, i) => postScores(t.http, PEERINDEX_KEY, '2026-09-02T00:00:00Z', [{ memberId, score: 50 + i }])),
    ]);
    expect(answers.map((res) => res.status).sort()).toEqual([...Array(30).fill(202), ...Array(30).fill(204)]);
    const [{ member_count, scores, refreshed_at }] = await t.dataSource.query(
      `SELECT d.member_count, (SELECT count(*)::int FROM member_scores WHERE provider = 'peerindex') AS scores, d.refreshed_at
       FROM score_distributions d WHERE d.provider = 'peerindex'`,
    );
    expect(member_count).toBe(scores);
    expect(refreshed_at.getTime()).toBeGreaterThan(before.getTime());
  });

  it('enqueues a match-member job for changed scores only when the provider has live campaigns', async () => {
    const [a, b] = await insertMembers(t.dataSource, [{}, {}]);
    const jobs = (memberId: string) =>
      t.dataSource.query(`SELECT job_id, payload FROM outbox WHERE job_name = 'match-member' AND payload->>'memberId' = $1`, [memberId]);
    await postScores(t.http, KLOUT_KEY, '2026-11-04T00:00:00Z', [{ memberId: a, score: 50 }]).expect(202);
    const brandId = await insertBrand(t.dataSource);
    await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout', minScore: 10 } });
    await postScores(t.http, KLOUT_KEY, '2026-11-04T00:00:00Z', [{ memberId: a, score: 50 }, { memberId: b, score: 50 }]).expect(202);
    expect(await jobs(a)).toEqual([]);
    expect(await jobs(b)).toEqual([
      { job_id: `match-member.klout.${b}.${Date.parse('2026-11-04T00:00:00Z')}`, payload: { memberId: b, provider: 'klout', scoresAt: expect.any(String) } },
    ]);
  });
  it('lets overlapping batches run concurrently: no deadlock, the newest scoredAt wins, all history kept', async () => {
    const ids = await insertMembers(t.dataSource, Array.from({ length: 300 }, () => ({})));
    const days = [5, 1, 4, 2, 3];
    const results = await Promise.all(
      days.map((day) => {
        const shuffled = [...ids].sort(() => Math.random() - 0.5);
        return postScores(t.http, KLOUT_KEY, `2026-08-0${day}T00:00:00Z`, shuffled.map((memberId) => ({ memberId, score: day * 10 })));
      }),
    );
    expect(results.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    const current = await t.dataSource.query(
      `SELECT DISTINCT score, scored_at FROM member_scores WHERE provider = 'klout' AND member_id = ANY($1::uuid[])`,
      [ids],
    );
    expect(current).toEqual([{ score: 50, scored_at: new Date('2026-08-05T00:00:00Z') }]);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM score_history WHERE member_id = ANY($1::uuid[])`, [ids]);
    expect(n).toBe(300 * 5);
  });

  it('enqueues match-member when the provider\'s only live campaign is paused: a member qualifying meanwhile is offered it for its resumption', async () => {
    const [a] = await insertMembers(t.dataSource, [{}]);
    const brandId = await insertBrand(t.dataSource);
    await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'peerindex', minScore: 10 }, status: 'paused' });
    await postScores(t.http, PEERINDEX_KEY, '2026-11-05T00:00:00Z', [{ memberId: a, score: 50 }]).expect(202);
    expect(
      await t.dataSource.query(`SELECT payload FROM outbox WHERE job_name = 'match-member' AND payload->>'memberId' = $1`, [a]),
    ).toEqual([{ payload: { memberId: a, provider: 'peerindex', scoresAt: expect.any(String) } }]);
  });

  it('rejects as UNKNOWN_MEMBER the id of a brand user or of an erased member, and stores nothing for them', async () => {
    const brand = await createBrand(t.http);
    const [erased, live] = await insertMembers(t.dataSource, [{}, {}]);
    await t.dataSource.query(`UPDATE users SET erased_at = now() WHERE id = $1`, [erased]);
    const res = await postScores(t.http, KLOUT_KEY, '2026-11-06T00:00:00Z', [
      { memberId: brand.id, score: 50 },
      { memberId: erased, score: 50 },
      { memberId: live, score: 50 },
    ]).expect(202);
    expect(res.body).toEqual({
      accepted: 1,
      rejected: [
        { index: 0, code: 'UNKNOWN_MEMBER', message: expect.any(String) },
        { index: 1, code: 'UNKNOWN_MEMBER', message: expect.any(String) },
      ],
    });
    expect(await current(brand.id)).toEqual([]);
    expect(await current(erased)).toEqual([]);
  });
});
