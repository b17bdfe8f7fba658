import { INestApplicationContext } from '@nestjs/common';
import { enqueueInTransaction, jobIdFor } from '@app/queue';
import { createMember, createWorkerContext, TestApp } from '@app/testing';
import { MatchingModule } from '../../matching-service/src/matching.module';
import { CampaignMatcher } from '../../matching-service/src/matching/campaign-matcher.service';
import { MatchingProcessor } from '../../matching-service/src/matching/matching.processor';
import { MemberMatcher } from '../../matching-service/src/matching/member-matcher.service';
import { PercentileRematcher } from '../../matching-service/src/matching/percentile-rematcher.service';
import { OfferNotifier } from '../../matching-service/src/notifications/offer-notifier.service';
import { FulfillmentModule } from '../../fulfillment-service/src/fulfillment.module';
import { AudienceService } from '../src/audience/audience.service';
import { Campaign } from '@app/db';
import { refreshScoreDistribution } from '../src/scores/score-distribution';
import { ScoreIngestion } from '../src/scores/score-ingestion';
import { createCampaignServiceApp } from './app';
import { insertBrand, insertCampaign, insertMembers, KLOUT_KEY, PEERINDEX_KEY, postScores, SCORES_TEST_OPTIONS } from './scores-fixtures';

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('matching (e2e)', () => {
  let t: TestApp;
  let matching: INestApplicationContext;
  let fulfillment: INestApplicationContext;
  let brandId: string;

  beforeAll(async () => {
    t = await createCampaignServiceApp(SCORES_TEST_OPTIONS);
    matching = await createWorkerContext(MatchingModule);
    fulfillment = await createWorkerContext(FulfillmentModule);
    brandId = await insertBrand(t.dataSource);
  });
  afterAll(async () => {
    await matching?.close();
    await fulfillment?.close();
    await t.close();
  });

  const offeredMembers = async (campaignId: string): Promise<string[]> =>
    (await t.dataSource.query(`SELECT member_id FROM offers WHERE campaign_id = $1 ORDER BY member_id`, [campaignId])).map(
      (r: { member_id: string }) => r.member_id,
    );
  const notified = async (campaignId: string): Promise<string[]> =>
    (
      await t.dataSource.query(`SELECT member_id FROM notifications WHERE kind = 'offer' AND campaign_id = $1 ORDER BY member_id`, [
        campaignId,
      ])
    ).map((r: { member_id: string }) => r.member_id);
  const launch = (campaignId: string) =>
    t.dataSource.transaction((manager) =>
      enqueueInTransaction(manager, { queue: 'matching', name: 'match-campaign', data: { campaignId }, jobId: jobIdFor('match-campaign', campaignId) }),
    );

  /** Members scored 1..n by klout, all opted in unless listed. */
  async function scoredMembers(n: number, scoredAt: string, extra: { optedOut?: number[] } = {}): Promise<string[]> {
    const ids = await insertMembers(
      t.dataSource,
      Array.from({ length: n }, (_, i) => ({ optedIn: !extra.optedOut?.includes(i + 1), country: i % 2 ? 'US' : 'CA' })),
    );
    await postScores(
      t.http,
      KLOUT_KEY,
      scoredAt,
      ids.map((memberId, i) => ({ memberId, score: i + 1, topics: [{ topic: i % 3 ? 'tech' : 'food', score: i + 1 }] })),
    ).expect(202);
    return ids;
  }

  it('offers a launched campaign to every eligible opted-in member and notifies each once', async () => {
    const provider = 'klout';
    const ids = await scoredMembers(40, '2026-10-01T00:00:00Z', { optedOut: [35] });
    const campaignId = await insertCampaign(t.dataSource, {
      brandId,
      eligibility: { provider, minScore: 30, topics: ['tech'], minTopicScore: 31, countries: ['US'] },
    });
    await launch(campaignId);
    // scores i+1 for i = 30..39 with tech (i % 3 != 0), US (odd i), minus the opted-out member 35 (i = 34)
    const expected = ids.filter((_, i) => i >= 30 && i % 3 !== 0 && i % 2 === 1 && i !== 34).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(await waitFor(() => offeredMembers(campaignId), (o) => o.length >= expected.length)).toEqual(expected);
    expect(await waitFor(() => notified(campaignId), (n) => n.length >= expected.length)).toEqual(expected);
    const [{ data, ends_at: endsAt }] = await t.dataSource.query(
      `SELECT n.data, c.ends_at FROM notifications n JOIN campaigns c ON c.id = n.campaign_id WHERE n.kind = 'offer' AND n.campaign_id = $1 LIMIT 1`,
      [campaignId],
    );
    expect(data).toEqual({ campaignId, perkTitle: expect.any(String), endsAt: (endsAt as Date).toISOString() });
    const audience = await t.app.get(AudienceService).preview((await t.dataSource.getRepository(Campaign).findOneByOrFail({ id: campaignId })));
    expect(audience.eligibleMembers).toBe(expected.length);
  });

  it('does not notify a member whose erasure commits while the notification is being written', async () => {
    const ids = await scoredMembers(3, '2026-10-02T00:00:00Z');
    const campaignId = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' } });
    await t.dataSource.query(`INSERT INTO offers (campaign_id, member_id) SELECT $1, unnest($2::uuid[])`, [campaignId, ids]);
    // An erasure in flight: it holds the member's row, as PrivacyService.erase does, until it commits.
    const erasure = t.dataSource.createQueryRunner();
    await erasure.connect();
    await erasure.startTransaction();
    await erasure.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [ids[0]]);
    await erasure.query(`UPDATE users SET erased_at = now() WHERE id = $1`, [ids[0]]);
    const notifying = matching.get(OfferNotifier).notify({ campaignId });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await erasure.commitTransaction();
    await erasure.release();
    expect(await notifying).toBe(2);
    expect(await notified(campaignId)).toEqual(ids.slice(1).sort());
  });

  it('stops a run whose campaign ends meanwhile: no more offers, no notifications', async () => {
    const ids = await insertMembers(t.dataSource, Array.from({ length: 2000 }, () => ({})));
    await t.dataSource.query(
      `INSERT INTO member_scores (provider, member_id, score, topics, scored_at)
       SELECT 'klout', id, 50, '{}', now() FROM unnest($1::uuid[]) AS id`,
      [ids],
    );
    const campaignId = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout', minScore: 10 } });
    let chunks = 0;
    const result = await matching.get(CampaignMatcher).matchCampaign(campaignId, {
      chunkSize: 1,
      afterChunk: async () => {
        if (++chunks === 2) await t.dataSource.query(`UPDATE campaigns SET status = 'ended', ended_at = now() WHERE id = $1`, [campaignId]);
      },
    });
    expect(result).toEqual({ outcome: 'stopped', offersCreated: expect.any(Number), chunks: 2 });
    expect((await offeredMembers(campaignId)).length).toBe((result as { offersCreated: number }).offersCreated);
    const [run] = await t.dataSource.query(`SELECT finished_at FROM matching_runs WHERE campaign_id = $1`, [campaignId]);
    expect(run.finished_at).toBeInstanceOf(Date);
    expect(await t.dataSource.query(`SELECT 1 FROM outbox WHERE job_name = 'notify-offers' AND payload->>'campaignId' = $1`, [campaignId])).toEqual([]);
  });

  it('resumes a run killed mid-way with no duplicate and no missing offer', async () => {
    // A worker killed mid-run leaves its job stalled: it is taken over, and given up only after 5 deaths.
    expect(matching.get(MatchingProcessor).worker.opts).toMatchObject({ maxStalledCount: 5, lockDuration: 15_000 });
    const ids = await insertMembers(t.dataSource, Array.from({ length: 3000 }, (_, i) => ({ optedIn: i % 10 !== 0 })));
    // Written directly: the matcher walks the table block by block, so it needs a table of many blocks.
    await t.dataSource.query(
      `INSERT INTO member_scores (provider, member_id, score, topics, scored_at)
       SELECT 'klout', id, (ord % 100)::float8, '{}', now() FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, ord)`,
      [ids],
    );
    const campaignId = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout', minScore: 10 } });
    const matcher = matching.get(CampaignMatcher);
    const crash = new Error('worker killed');
    let chunksBeforeCrash = 0;
    await expect(
      matcher.matchCampaign(campaignId, {
        chunkSize: 1,
        afterChunk: () => {
          if (++chunksBeforeCrash === 2) throw crash;
        },
      }),
    ).rejects.toBe(crash);
    const [progress] = await t.dataSource.query(`SELECT next_block, finished_at FROM matching_runs WHERE campaign_id = $1`, [campaignId]);
    expect(progress).toEqual({ next_block: '2', finished_at: null });
    expect((await offeredMembers(campaignId)).length).toBeGreaterThan(0);

    const resumed = await matcher.matchCampaign(campaignId, { chunkSize: 1 });
    const [{ blocks }] = await t.dataSource.query(`SELECT pg_relation_size('member_scores') / 8192 AS blocks`);
    expect(Number(blocks)).toBeGreaterThan(10);
    // one block per chunk: the resumed run skipped the 2 blocks committed before the crash
    expect(resumed).toEqual({ outcome: 'matched', offersCreated: expect.any(Number), chunks: Number(blocks) - 2 });
    const expected: { member_id: string }[] = await t.dataSource.query(
      `SELECT s.member_id FROM member_scores s JOIN member_profiles p USING (member_id)
       WHERE s.provider = 'klout' AND s.score >= 10 AND p.opted_in ORDER BY s.member_id`,
    );
    const offers = await offeredMembers(campaignId);
    expect(offers).toEqual(expected.map((r) => r.member_id));
    expect(new Set(offers).size).toBe(offers.length);
    expect(await matcher.matchCampaign(campaignId)).toEqual({ outcome: 'skipped', reason: 'already_matched' });
    expect(await waitFor(() => notified(campaignId), (n) => n.length >= offers.length)).toEqual(offers);
    // the run is notified by one batched job, enqueued with its last chunk
    const jobs = await t.dataSource.query(
      `SELECT payload FROM outbox WHERE job_name = 'notify-offers' AND payload->>'campaignId' = $1 AND NOT payload ? 'memberIds'`,
      [campaignId],
    );
    expect(jobs).toEqual([{ payload: { campaignId } }]);
  });

  it('re-matches a member whose score rises and never takes an offer back when it drops', async () => {
    const [member] = await insertMembers(t.dataSource, [{}]);
    await postScores(t.http, KLOUT_KEY, '2026-10-03T00:00:00Z', [{ memberId: member, score: 20 }]).expect(202);
    const campaignId = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout', minScore: 95.5 } });
    await launch(campaignId);
    await waitFor(() => t.dataSource.query(`SELECT finished_at FROM matching_runs WHERE campaign_id = $1`, [campaignId]), (r) => r[0]?.finished_at);
    expect(await offeredMembers(campaignId)).not.toContain(member);

    await postScores(t.http, KLOUT_KEY, '2026-10-04T00:00:00Z', [{ memberId: member, score: 96 }]).expect(202);
    expect(await waitFor(() => offeredMembers(campaignId), (o) => o.includes(member))).toContain(member);
    expect(await waitFor(() => notified(campaignId), (n) => n.includes(member))).toContain(member);

    await postScores(t.http, KLOUT_KEY, '2026-10-05T00:00:00Z', [{ memberId: member, score: 5 }]).expect(202);
    await waitFor(
      () => t.dataSource.query(`SELECT 1 FROM outbox WHERE job_name = 'match-member' AND payload->>'memberId' = $1 AND published_at IS NOT NULL`, [member]),
      (rows) => rows.length === 3,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await offeredMembers(campaignId)).toContain(member);
  });
  it('does not offer, on a rising score, a live campaign whose endsAt has passed while its end job has yet to run', async () => {
    const [member] = await insertMembers(t.dataSource, [{}]);
    await postScores(t.http, KLOUT_KEY, '2026-10-03T00:00:00Z', [{ memberId: member, score: 20 }]).expect(202);
    const [current, overdue] = await Promise.all([
      insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout', minScore: 90 } }),
      insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout', minScore: 90 } }),
    ]);
    await t.dataSource.query(`UPDATE campaigns SET starts_at = NULL, ends_at = now() - interval '1 second' WHERE id = $1`, [overdue]);

    await postScores(t.http, KLOUT_KEY, '2026-10-04T00:00:00Z', [{ memberId: member, score: 96 }]).expect(202);
    expect(await waitFor(() => offeredMembers(current), (o) => o.includes(member))).toContain(member);
    expect(await offeredMembers(overdue)).toEqual([]);
  });

  it('offers a paused campaign to a member who qualifies while it is paused: it is matched once, at launch, and resuming does not re-run it', async () => {
    const [member] = await insertMembers(t.dataSource, [{}]);
    await postScores(t.http, KLOUT_KEY, '2026-10-03T00:00:00Z', [{ memberId: member, score: 20 }]).expect(202);
    const campaignId = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout', minScore: 40 } });
    await launch(campaignId);
    await waitFor(() => t.dataSource.query(`SELECT finished_at FROM matching_runs WHERE campaign_id = $1`, [campaignId]), (r) => r[0]?.finished_at);
    await t.dataSource.query(`UPDATE campaigns SET status = 'paused' WHERE id = $1`, [campaignId]);

    await postScores(t.http, KLOUT_KEY, '2026-10-04T00:00:00Z', [{ memberId: member, score: 55 }]).expect(202);
    expect(await waitFor(() => offeredMembers(campaignId), (o) => o.includes(member))).toContain(member);
  });

  it('survives a re-calibration: every score drops 20%, a percentile campaign keeps its members, a minScore campaign loses them', async () => {
    const ids = await insertMembers(t.dataSource, Array.from({ length: 100 }, () => ({})));
    const scoreAll = (scoredAt: string, factor: number) =>
      postScores(t.http, PEERINDEX_KEY, scoredAt, ids.map((memberId, i) => ({ memberId, score: (i + 1) * factor }))).expect(202);
    const audienceOf = async (campaignId: string) =>
      t.app.get(AudienceService).preview(await t.dataSource.getRepository(Campaign).findOneByOrFail({ id: campaignId }));
    // scores 1..100: the 85th percentile is 85.15 (interpolated), so the top 15% is 86..100
    const top15 = ids.slice(85).sort();

    await scoreAll('2026-09-01T00:00:00Z', 1);
    const byPercentile = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'peerindex', minPercentile: 85 }, status: 'funded' });
    const byScore = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'peerindex', minScore: 86 }, status: 'funded' });
    expect((await audienceOf(byPercentile)).eligibleMembers).toBe(15);
    expect((await audienceOf(byScore)).eligibleMembers).toBe(15);

    await scoreAll('2026-09-02T00:00:00Z', 0.8);
    expect((await audienceOf(byPercentile)).eligibleMembers).toBe(15);
    expect((await audienceOf(byScore)).eligibleMembers).toBe(0);

    // launched after the re-calibration, matching agrees with the preview
    await t.dataSource.query(`UPDATE campaigns SET status = 'active', launched_at = now() WHERE id = ANY($1::uuid[])`, [[byPercentile, byScore]]);
    await launch(byPercentile);
    await launch(byScore);
    const finished = () => t.dataSource.query(`SELECT 1 FROM matching_runs WHERE finished_at IS NOT NULL AND campaign_id = ANY($1::uuid[])`, [[byPercentile, byScore]]);
    expect(await waitFor(finished, (rows) => rows.length === 2)).toHaveLength(2);
    expect(await offeredMembers(byPercentile)).toEqual(top15);
    expect(await offeredMembers(byScore)).toEqual([]);
  });
  it('offers a live percentile campaign to members who cross the bar because other members\' scores fell, and notifies them', async () => {
    // A provider of its own, scored straight in SQL: no member's own score change re-matches anyone here.
    const provider = 'drift-probe';
    const ids = await insertMembers(t.dataSource, Array.from({ length: 10 }, () => ({})));
    const setScores = async (scores: number[]) => {
      await t.dataSource.query(
        `INSERT INTO member_scores (provider, member_id, score, scored_at) SELECT $1, unnest($2::uuid[]), unnest($3::float8[]), now()
         ON CONFLICT (provider, member_id) DO UPDATE SET score = EXCLUDED.score`,
        [provider, ids, scores],
      );
      await refreshScoreDistribution(t.dataSource, provider);
    };
    await setScores([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    const campaignId = await insertCampaign(t.dataSource, { brandId, eligibility: { provider, minPercentile: 50 } });
    await launch(campaignId);
    // the median is 55: 60..100
    expect(await waitFor(() => offeredMembers(campaignId), (o) => o.length === 5)).toEqual(ids.slice(5).sort());

    // 80, 90 and 100 fall to 1, 2 and 3: the median is 25, so 30, 40 and 50 now qualify; no offer is taken back
    // while the provider keeps sending batches (a refresh every 300 ms): a steady feed must not starve it
    await setScores([10, 20, 30, 40, 50, 60, 70, 1, 2, 3]);
    const feed = setInterval(() => void refreshScoreDistribution(t.dataSource, provider), 300);
    const offered = await waitFor(() => offeredMembers(campaignId), (o) => o.length === 8).finally(() => clearInterval(feed));
    expect(offered).toEqual(ids.slice(2).sort());
    expect(await waitFor(() => notified(campaignId), (n) => n.length === 8)).toEqual(ids.slice(2).sort());
    // run again with nothing moved, it offers nothing more
    expect(await matching.get(PercentileRematcher).rematch({ provider })).toEqual({ campaigns: 1, offersCreated: 0 });
  });

  it('matches a member who opts in after launch, and never one who has not', async () => {
    const member = await createMember(t.http);
    await t.http.put('/me/profile').set('Authorization', member.auth).send({ country: 'US', birthDate: '1990-01-01', optedIn: false }).expect(200);
    await postScores(t.http, KLOUT_KEY, '2026-10-06T00:00:00Z', [{ memberId: member.id, score: 99.9 }]).expect(202);
    const campaignId = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout', minScore: 99.5 } });
    await launch(campaignId);
    await waitFor(() => t.dataSource.query(`SELECT finished_at FROM matching_runs WHERE campaign_id = $1`, [campaignId]), (r) => r[0]?.finished_at);
    expect(await offeredMembers(campaignId)).toEqual([]);

    await t.http.put('/me/profile').set('Authorization', member.auth).send({ country: 'US', birthDate: '1990-01-01', optedIn: true }).expect(200);
    expect(await waitFor(() => offeredMembers(campaignId), (o) => o.length > 0)).toEqual([member.id]);
    // opting in re-matched the member against every live klout campaign of this file, this one included
    const perks = await t.http.get('/me/perks?limit=100').set('Authorization', member.auth).expect(200);
    expect(perks.body.items).toContainEqual(expect.objectContaining({ campaignId, status: 'available' }));
    expect(await waitFor(() => notified(campaignId), (n) => n.length > 0)).toEqual([member.id]);
    const notifications = await t.http.get('/me/notifications?limit=100').set('Authorization', member.auth).expect(200);
    expect(notifications.body.items).toContainEqual(expect.objectContaining({ kind: 'offer', data: expect.objectContaining({ campaignId }) }));
  });
  it('withdraws an offer when the member opts out, moves to a country the campaign does not take or is under its minimum age; a score drop keeps it', async () => {
    const members = await Promise.all([0, 1, 2, 3].map(() => createMember(t.http)));
    const profile = { country: 'US', birthDate: '1990-01-01', optedIn: true };
    await Promise.all(members.map((m) => t.http.put('/me/profile').set('Authorization', m.auth).send(profile).expect(200)));
    await postScores(t.http, KLOUT_KEY, '2026-10-07T00:00:00Z', members.map((m) => ({ memberId: m.id, score: 99.95 }))).expect(202);
    const campaignId = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout', minScore: 99.93, countries: ['US'], minAge: 18 } });
    await launch(campaignId);
    await waitFor(() => t.dataSource.query(`SELECT finished_at FROM matching_runs WHERE campaign_id = $1`, [campaignId]), (r) => r[0]?.finished_at);
    expect(await offeredMembers(campaignId)).toEqual(members.map((m) => m.id).sort());

    await waitFor(() => notified(campaignId), (n) => n.length === 4);
    const offerNotices = async (m: (typeof members)[number]) => {
      const res = await t.http.get('/me/notifications?limit=100').set('Authorization', m.auth).expect(200);
      return { shown: res.body.items.filter((n: { kind: string; data: { campaignId?: string } }) => n.kind === 'offer' && n.data.campaignId === campaignId).length, unread: res.body.unread };
    };
    const before = await offerNotices(members[0]);
    expect(before.shown).toBe(1);

    const [optedOut, moved, young, dropped] = members;
    await t.http.put('/me/profile').set('Authorization', optedOut.auth).send({ ...profile, optedIn: false }).expect(200);
    await t.http.put('/me/profile').set('Authorization', moved.auth).send({ ...profile, country: 'FR' }).expect(200);
    await t.http.put('/me/profile').set('Authorization', young.auth).send({ ...profile, birthDate: '2015-01-01' }).expect(200);
    await postScores(t.http, KLOUT_KEY, '2026-10-08T00:00:00Z', [{ memberId: dropped.id, score: 3 }]).expect(202);
    expect(await waitFor(() => offeredMembers(campaignId), (o) => o.length === 1)).toEqual([dropped.id]);

    const eligibility = await t.http.get(`/me/perks/${campaignId}/eligibility`).set('Authorization', moved.auth).expect(200);
    expect(eligibility.body).toEqual({ eligible: false, reasons: [{ rule: 'country', required: ['US'], actual: 'FR' }] });
    const perks = await t.http.get('/me/perks?limit=100').set('Authorization', young.auth).expect(200);
    expect(perks.body.items.map((p: { campaignId: string }) => p.campaignId)).not.toContain(campaignId);
    // The notification of a withdrawn offer is no longer shown (nor counted unread); a kept offer's is.
    // (opting out withdrew every offer the member had, here and from this file's other campaigns)
    expect(before.unread).toBeGreaterThan(0);
    expect(await offerNotices(optedOut)).toEqual({ shown: 0, unread: 0 });
    expect((await offerNotices(moved)).shown).toBe(0);
    expect((await offerNotices(dropped)).shown).toBe(1);
    // Back in the campaign's country: offered again, and its notification shows again.
    await t.http.put('/me/profile').set('Authorization', moved.auth).send(profile).expect(200);
    expect(await waitFor(() => offeredMembers(campaignId), (o) => o.includes(moved.id))).toContain(moved.id);
    expect((await offerNotices(moved)).shown).toBe(1);
  });

  it('matches a campaign paused before its launch matching ran: resuming does not re-run matching, so this run is its only one', async () => {
    const [member] = await insertMembers(t.dataSource, [{}]);
    await t.dataSource.query(`INSERT INTO member_scores (provider, member_id, score, topics, scored_at) VALUES ('paused-probe', $1, 50, '{}', now())`, [member]);
    const campaignId = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'paused-probe', minScore: 40 }, status: 'paused' });
    expect(await matching.get(CampaignMatcher).matchCampaign(campaignId)).toEqual({ outcome: 'matched', offersCreated: 1, chunks: expect.any(Number) });
    expect(await offeredMembers(campaignId)).toEqual([member]);
  });

  it('re-matches a member against every live campaign of the provider, however many (statements of 200 campaigns)', async () => {
    const provider = 'many-campaigns-probe';
    const [member] = await insertMembers(t.dataSource, [{}]);
    await t.dataSource.query(`INSERT INTO member_scores (provider, member_id, score, topics, scored_at) VALUES ($1, $2, 50, '{}', now())`, [provider, member]);
    const campaignIds: string[] = (
      await t.dataSource.query(
        `INSERT INTO campaigns (brand_id, name, perk_kind, perk_title, unit_cost_cents, total_units, ends_at, eligibility, status,
                                review_status, funding_required_cents, launched_at)
         SELECT $1, 'Many ' || g, 'digital_code', 'Many', 500, 10, now() + interval '30 days', $2, 'active', 'approved', 0, now()
         FROM generate_series(1, 401) g
         RETURNING id`,
        [brandId, JSON.stringify({ provider, minScore: 10 })],
      )
    ).map((r: { id: string }) => r.id);
    const offered = await matching.get(MemberMatcher).matchMember(member, provider);
    expect(offered.sort()).toEqual([...campaignIds].sort());
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM offers WHERE member_id = $1`, [member]);
    expect(n).toBe(401);
  });

  it('notifies every offer of a launch run, across the notifier\'s member-id batches of 5,000', async () => {
    const ids = await insertMembers(t.dataSource, Array.from({ length: 5_003 }, () => ({})));
    const campaignId = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'notify-batch-probe' } });
    await t.dataSource.query(`INSERT INTO offers (campaign_id, member_id) SELECT $1, unnest($2::uuid[])`, [campaignId, ids]);
    expect(await matching.get(OfferNotifier).notify({ campaignId })).toBe(5_003);
    expect(await notified(campaignId)).toEqual([...ids].sort());
  });

  it('re-matches percentiles only on campaigns still offerable: not an ended one, nor one past its endsAt whose end job has yet to run', async () => {
    const provider = 'drift-ended-probe';
    const ids = await insertMembers(t.dataSource, Array.from({ length: 10 }, () => ({})));
    await t.dataSource.query(
      `INSERT INTO member_scores (provider, member_id, score, scored_at) SELECT $1, unnest($2::uuid[]), unnest($3::float8[]), now()`,
      [provider, ids, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]],
    );
    const ended = await insertCampaign(t.dataSource, { brandId, eligibility: { provider, minPercentile: 50 }, status: 'ended' });
    const overdue = await insertCampaign(t.dataSource, { brandId, eligibility: { provider, minPercentile: 50 } });
    await t.dataSource.query(`UPDATE campaigns SET ends_at = now() - interval '1 second' WHERE id = $1`, [overdue]);
    await refreshScoreDistribution(t.dataSource, provider);
    expect(await matching.get(PercentileRematcher).rematch({ provider })).toEqual({ campaigns: 0, offersCreated: 0 });
    expect(await offeredMembers(ended)).toEqual([]);
    expect(await offeredMembers(overdue)).toEqual([]);
  });

  it('weighs a score batch against percentile thresholds that count it: before its distribution refresh, percentile campaigns wait for the refresh\'s re-match', async () => {
    const provider = 'batch-probe';
    const ids = await insertMembers(t.dataSource, Array.from({ length: 10 }, () => ({})));
    const ingestion = new ScoreIngestion(t.dataSource);
    const batch = (scoredAt: string, scores: number[], refreshDistribution = true) =>
      ingestion.ingest(provider, new Date(scoredAt), ids.map((memberId, i) => ({ memberId, score: scores[i] })), { refreshDistribution });
    await batch('2026-10-01T00:00:00Z', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const campaignId = await insertCampaign(t.dataSource, { brandId, eligibility: { provider, minPercentile: 90 } });
    await launch(campaignId);
    // the 90th percentile of 1..10 is 9.1: only the member scored 10
    expect(await waitFor(() => offeredMembers(campaignId), (o) => o.length === 1)).toEqual([ids[9]]);

    // Every score rises; the batch is stored, its distribution refresh has yet to run. Against the old
    // thresholds (9.1) every member would pass, and an offer is never taken back.
    await batch('2026-10-02T00:00:00Z', [30, 51, 52, 53, 54, 55, 56, 57, 58, 59], false);
    const [{ payload }] = await t.dataSource.query(`SELECT payload FROM outbox WHERE job_name = 'match-member' AND payload->>'memberId' = $1 ORDER BY id DESC LIMIT 1`, [ids[0]]);
    expect(payload.scoresAt).toEqual(expect.any(String));
    expect(await matching.get(MemberMatcher).matchMember(ids[0], provider, payload.scoresAt)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the workers' own match-member jobs of the batch
    expect(await offeredMembers(campaignId)).toEqual([ids[9]]);

    // The refresh, and its re-match, judge everyone by the new scores: the 90th percentile is 58.1.
    await refreshScoreDistribution(t.dataSource, provider);
    await matching.get(PercentileRematcher).rematch({ provider });
    expect(await offeredMembers(campaignId)).toEqual([ids[9]]);

    // A batch whose refresh ran: its match-member jobs weigh percentile rules at once (the member now scored 80).
    await batch('2026-10-03T00:00:00Z', [30, 51, 52, 53, 54, 55, 56, 57, 80, 59]);
    expect(await waitFor(() => offeredMembers(campaignId), (o) => o.length === 2)).toEqual([ids[8], ids[9]].sort());
  });
});
