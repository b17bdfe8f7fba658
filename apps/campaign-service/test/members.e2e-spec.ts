import Redis from 'ioredis';
import { claimGateKeys } from '@app/queue';
import { createBrand, createMember, login, TestApp, TEST_PASSWORD, walkPages } from '@app/testing';
import { createCampaignServiceApp } from './app';
import { insertBrand, insertCampaign, insertMembers, KLOUT_KEY, PEERINDEX_KEY, postScores, SCORES_TEST_OPTIONS } from './scores-fixtures';

describe('member profile, scores, perks, eligibility and privacy (e2e)', () => {
  let t: TestApp;
  let brandId: string;

  beforeAll(async () => {
    t = await createCampaignServiceApp(SCORES_TEST_OPTIONS);
    brandId = await insertBrand(t.dataSource, 'Acme');
  });
  afterAll(() => t.close());

  const offer = (campaignId: string, memberId: string) =>
    t.dataSource.query(`INSERT INTO offers (campaign_id, member_id) VALUES ($1, $2)`, [campaignId, memberId]);
  const claim = (campaignId: string, memberId: string, status: string, shippingAddress: object | null = null) =>
    t.dataSource.query(
      `INSERT INTO claims (campaign_id, member_id, idempotency_key, status, shipping_address, country, disclosure_accepted_at)
       VALUES ($1, $2, gen_random_uuid()::text, $3, $4, 'US', now())`,
      [campaignId, memberId, status, shippingAddress ? JSON.stringify(shippingAddress) : null],
    );

  it('saves the profile, validates it and keeps it for members only', async () => {
    const member = await createMember(t.http);
    const empty = await t.http.get('/me/profile').set('Authorization', member.auth).expect(200);
    expect(empty.body).toEqual({ country: null, birthDate: null, optedIn: false, updatedAt: null });
    const saved = await t.http
      .put('/me/profile')
      .set('Authorization', member.auth)
      .send({ country: 'ca', birthDate: '1990-02-28', optedIn: true })
      .expect(200);
    expect(saved.body).toEqual({ country: 'CA', birthDate: '1990-02-28', optedIn: true, updatedAt: expect.any(String) });
    for (const bad of [
      { country: 'XX', birthDate: '1990-01-01', optedIn: true },
      // JavaScript upper-cases these to IT and SS, which are countries
      { country: 'ıt', birthDate: '1990-01-01', optedIn: true },
      { country: 'ß', birthDate: '1990-01-01', optedIn: true },
      { country: 'US', birthDate: '1990-13-01', optedIn: true },
      { country: 'US', birthDate: '01/02/1990', optedIn: true },
      { country: 'US', birthDate: '2999-01-01', optedIn: true },
      { country: 'US', birthDate: '1990-01-01', optedIn: 'yes' },
      { country: 'US', birthDate: '1990-01-01', optedIn: true, email: 'x@y.z' },
    ]) {
      const res = await t.http.put('/me/profile').set('Authorization', member.auth).send(bad).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    const brand = await createBrand(t.http);
    expect((await t.http.put('/me/profile').set('Authorization', brand.auth).send({ country: 'US', birthDate: null, optedIn: true }).expect(403)).body.code).toBe('FORBIDDEN');
  });

  it('shows scores per provider with the percentile from the current distribution', async () => {
    const member = await createMember(t.http);
    const others = await insertMembers(t.dataSource, Array.from({ length: 9 }, () => ({})));
    await postScores(t.http, KLOUT_KEY, '2026-11-01T00:00:00Z', [
      ...others.map((memberId, i) => ({ memberId, score: i * 10 })),
      { memberId: member.id, score: 85, topics: [{ topic: 'tech', score: 20 }, { topic: 'food', score: 70 }] },
    ]).expect(202);
    await postScores(t.http, PEERINDEX_KEY, '2026-11-01T00:00:00Z', [{ memberId: member.id, score: 40 }]).expect(202);
    const all = await t.http.get('/me/scores').set('Authorization', member.auth).expect(200);
    expect(all.body.items.map((i: { provider: string }) => i.provider)).toEqual(['klout', 'peerindex']);
    expect(all.body.nextCursor).toBeNull();
    // A list like every other: ?limit and ?cursor, page by page (providers by name).
    const res = await t.http.get('/me/scores?limit=1').set('Authorization', member.auth).expect(200);
    const next = await t.http.get(`/me/scores?limit=1&cursor=${res.body.nextCursor}`).set('Authorization', member.auth).expect(200);
    expect(next.body).toEqual({ items: [expect.objectContaining({ provider: 'peerindex', score: 40 })], nextCursor: null });
    for (const query of ['limit=-1', 'foo=bar', 'cursor=%25%25', `cursor=${Buffer.from("x' OR 1=1").toString('base64url')}`]) {
      const junk = await t.http.get(`/me/scores?${query}`).set('Authorization', member.auth).expect(400);
      expect(junk.body.code).toBe('VALIDATION_FAILED');
    }
    expect(res.body.items).toEqual([
      {
        provider: 'klout',
        score: 85,
        percentile: expect.any(Number),
        topics: [{ topic: 'food', score: 70 }, { topic: 'tech', score: 20 }],
        scoredAt: '2026-11-01T00:00:00.000Z',
      },
    ]);
    const [{ thresholds }] = await t.dataSource.query(`SELECT thresholds FROM score_distributions WHERE provider = 'klout'`);
    const expected = Math.max(...thresholds.map((s: number, p: number) => (85 >= s ? p : 0)));
    expect(res.body.items[0].percentile).toBe(expected);
  });

  it("orders a score's topics by score, ties by name in code-point order whatever the host's locale", async () => {
    const member = await createMember(t.http);
    const tied = ['zz', 'aa', 'a_b', 'a1', 'a-b'];
    await postScores(t.http, KLOUT_KEY, '2026-11-01T00:00:00Z', [
      { memberId: member.id, score: 50, topics: [...tied.map((topic) => ({ topic, score: 10 })), { topic: 'yy', score: 20 }] },
    ]).expect(202);
    const res = await t.http.get('/me/scores').set('Authorization', member.auth).expect(200);
    // localeCompare followed the host's locale: '_' before '-' and digits, and under LC_ALL=da_DK 'aa' after 'zz'.
    expect(res.body.items[0].topics.map((x: { topic: string }) => x.topic)).toEqual(['yy', 'a-b', 'a1', 'a_b', 'aa', 'zz']);
  });

  it('lists perks on offered campaigns taking claims, with available, claimed and sold-out status, page by page', async () => {
    const member = await createMember(t.http);
    const available = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' }, title: 'Coffee', totalUnits: 5 });
    const claimed = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' }, title: 'Tea' });
    const soldOut = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' }, title: 'Cake', totalUnits: 1 });
    const paused = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' }, status: 'paused' });
    // Not taking claims either: its payment is disputed, or its end is due and the scheduler not there yet.
    const frozen = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' } });
    const overdue = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' } });
    await t.dataSource.query(`UPDATE campaigns SET claims_frozen = true WHERE id = $1`, [frozen]);
    await t.dataSource.query(`UPDATE campaigns SET ends_at = now() - interval '1 second' WHERE id = $1`, [overdue]);
    await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' }, title: 'Not offered' });
    for (const id of [available, claimed, soldOut, paused, frozen, overdue]) await offer(id, member.id);
    await claim(claimed, member.id, 'pending');
    await t.dataSource.query(`UPDATE campaigns SET claimed_units = total_units WHERE id = $1`, [soldOut]);

    const first = await t.http.get('/me/perks?limit=2').set('Authorization', member.auth).expect(200);
    expect(first.body.items).toHaveLength(2);
    const second = await t.http.get(`/me/perks?limit=2&cursor=${first.body.nextCursor}`).set('Authorization', member.auth).expect(200);
    expect(second.body.nextCursor).toBeNull();
    const all = [...first.body.items, ...second.body.items];
    expect(all).toHaveLength(3);
    const byId: Record<string, { status: string }> = Object.fromEntries(all.map((p: { campaignId: string; status: string }) => [p.campaignId, p]));
    expect(byId[available]).toEqual({
      campaignId: available,
      title: 'Coffee',
      kind: 'digital_code',
      brandName: 'Acme',
      endsAt: expect.any(String),
      remainingUnits: 5,
      status: 'available',
    });
    expect(byId[claimed].status).toBe('claimed');
    expect(byId[soldOut]).toMatchObject({ status: 'sold_out', remainingUnits: 0 });
    await t.http.get('/me/perks?cursor=garbage').set('Authorization', member.auth).expect(400);
    await t.http.get('/me/perks?limit=101').set('Authorization', member.auth).expect(400);
  });

  it('explains eligibility rule by rule, also for campaigns never offered', async () => {
    const member = await createMember(t.http);
    await t.http.put('/me/profile').set('Authorization', member.auth).send({ country: 'US', birthDate: '2015-01-01', optedIn: true }).expect(200);
    await postScores(t.http, KLOUT_KEY, '2026-11-02T00:00:00Z', [{ memberId: member.id, score: 40, topics: [{ topic: 'tech', score: 10 }] }]).expect(202);
    const campaign = await insertCampaign(t.dataSource, {
      brandId,
      eligibility: { provider: 'klout', minScore: 50, topics: ['tech', 'art'], minTopicScore: 30, countries: ['CA'], minAge: 18 },
    });
    const res = await t.http.get(`/me/perks/${campaign}/eligibility`).set('Authorization', member.auth).expect(200);
    expect(res.body).toEqual({
      eligible: false,
      reasons: [
        { rule: 'score', required: 50, actual: 40 },
        { rule: 'topics', required: { anyOf: ['tech', 'art'], minTopicScore: 30 }, actual: { tech: 10 } },
        { rule: 'country', required: ['CA'], actual: 'US' },
        { rule: 'age', required: 18, actual: expect.any(Number) },
      ],
    });
    const open = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout', minScore: 40 } });
    expect((await t.http.get(`/me/perks/${open}/eligibility`).set('Authorization', member.auth).expect(200)).body).toEqual({ eligible: true, reasons: [] });
    // Offered at launch, then re-scored below the bar: the offer stands, and so does the claim it allows …
    const scored = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout', minScore: 50, topics: ['tech', 'art'], minTopicScore: 30 } });
    await offer(scored, member.id);
    expect((await t.http.get(`/me/perks/${scored}/eligibility`).set('Authorization', member.auth).expect(200)).body).toEqual({ eligible: true, reasons: [] });
    // … while the member's own profile meets the campaign: an offer settles the score rules only.
    await offer(campaign, member.id);
    expect((await t.http.get(`/me/perks/${campaign}/eligibility`).set('Authorization', member.auth).expect(200)).body).toEqual({
      eligible: false,
      reasons: [
        { rule: 'country', required: ['CA'], actual: 'US' },
        { rule: 'age', required: 18, actual: expect.any(Number) },
      ],
    });
    const other = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'peerindex' } });
    expect((await t.http.get(`/me/perks/${other}/eligibility`).set('Authorization', member.auth).expect(200)).body.reasons).toEqual([
      { rule: 'provider', required: 'peerindex', actual: null },
    ]);
    const draft = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' }, status: 'draft' });
    await t.http.get(`/me/perks/${draft}/eligibility`).set('Authorization', member.auth).expect(404);
    await t.http.get(`/me/perks/not-a-uuid/eligibility`).set('Authorization', member.auth).expect(404);
    // Ended: answered when it ran, 404 when it ended (cancelled) without ever being launched, as a draft.
    const ranThenEnded = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' } });
    const cancelled = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' }, status: 'funded' });
    await t.dataSource.query(`UPDATE campaigns SET status = 'ended' WHERE id = ANY($1::uuid[])`, [[ranThenEnded, cancelled]]);
    await t.http.get(`/me/perks/${ranThenEnded}/eligibility`).set('Authorization', member.auth).expect(200);
    await t.http.get(`/me/perks/${cancelled}/eligibility`).set('Authorization', member.auth).expect(404);
  });

  it('exports everything held about the member, then erases it on DELETE /me', async () => {
    const member = await createMember(t.http, 'erasable');
    await t.http.put('/me/profile').set('Authorization', member.auth).send({ country: 'GB', birthDate: '1980-06-01', optedIn: true }).expect(200);
    await postScores(t.http, KLOUT_KEY, '2026-11-03T00:00:00Z', [{ memberId: member.id, score: 99 }]).expect(202);
    await postScores(t.http, KLOUT_KEY, '2026-11-04T00:00:00Z', [{ memberId: member.id, score: 98 }]).expect(202);
    const campaign = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' }, title: 'Boots' });
    await offer(campaign, member.id);
    await claim(campaign, member.id, 'fulfilled', { name: 'Ada', line1: '1 Road', city: 'London', postalCode: 'N1', country: 'GB' });
    // A claim whose shipment has taken the address over, as fulfillment does.
    const other = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' }, title: 'Hat' });
    await claim(other, member.id, 'pending');
    await t.dataSource.query(
      `INSERT INTO shipments (claim_id, provider, address) SELECT id, 'manual', $2 FROM claims WHERE member_id = $1 AND campaign_id = $3`,
      [member.id, JSON.stringify({ name: 'Ada', line1: '2 Lane', city: 'Leeds', postalCode: 'L1', country: 'GB' }), other],
    );
    await t.dataSource.query(`INSERT INTO notifications (member_id, kind, title, campaign_id) VALUES ($1, 'offer', 'New perk', $2)`, [member.id, campaign]);
    // The address's fingerprint, as the abuse check records it for a physical claim.
    await t.dataSource.query(
      `INSERT INTO claim_address_fingerprints (claim_id, campaign_id, member_id, fingerprint)
       SELECT id, campaign_id, member_id, repeat('a', 64) FROM claims WHERE member_id = $1 AND campaign_id = $2`,
      [member.id, campaign],
    );

    // Held by the shared-address rule, then released by an admin.
    await t.dataSource.query(
      `INSERT INTO claim_holds (claim_id, reason, released_at) SELECT id, 'shared_shipping_address', now() FROM claims WHERE member_id = $1 AND campaign_id = $2`,
      [member.id, campaign],
    );

    const exported = await t.http.get('/me/export').set('Authorization', member.auth).expect(200);
    expect(exported.body).toMatchObject({
      account: { id: member.id, email: member.email, displayName: 'erasable' },
      profile: { country: 'GB', birthDate: '1980-06-01', optedIn: true },
      scores: [
        { provider: 'klout', score: 99, current: false },
        { provider: 'klout', score: 98, current: true },
      ],
      offers: [{ campaignId: campaign, title: 'Boots' }],
      claims: [
        {
          campaignId: campaign,
          status: 'fulfilled',
          country: 'US',
          idempotencyKey: expect.any(String),
          disclosureAcceptedAt: expect.any(String),
          shippingAddress: { name: 'Ada', line1: '1 Road' },
          shipment: null,
          hold: { reason: 'shared_shipping_address', heldAt: expect.any(String), releasedAt: expect.any(String) },
          failureReason: null,
        },
        { campaignId: other, status: 'pending', shippingAddress: { name: 'Ada', line1: '2 Lane' }, shipment: { status: 'requested', trackingNumber: null }, hold: null },
      ],
      notifications: [{ kind: 'offer', title: 'New perk' }],
      // createMember logged in once: one session, live
      sessions: [{ startedAt: expect.any(String), lastRenewedAt: expect.any(String), expiresAt: expect.any(String), endedAt: null, endReason: null }],
    });

    // Nobody can take an erased account's placeholder address first and make the erasure fail.
    for (const email of [`erased-${member.id}@erased.invalid`, `ERASED-${member.id}@Erased.Invalid`]) {
      const refused = await t.http.post('/auth/register').send({ email, password: 'long-enough-password', displayName: 'Squatter' }).expect(400);
      expect(refused.body.details).toEqual([expect.objectContaining({ field: 'email' })]);
    }
    const distribution = () => t.dataSource.query(`SELECT member_count FROM score_distributions WHERE provider = 'klout'`);
    const [before] = await distribution();
    await t.http.delete('/me').set('Authorization', member.auth).expect(204);
    expect((await distribution())[0].member_count).toBe(before.member_count - 1);
    const [user] = await t.dataSource.query(`SELECT email, password_hash, display_name, erased_at FROM users WHERE id = $1`, [member.id]);
    expect(user).toEqual({ email: expect.stringMatching(new RegExp(`^erased-${member.id}-[0-9a-f]{8}@erased\\.invalid$`)), password_hash: null, display_name: null, erased_at: expect.any(Date) });
    for (const table of ['member_profiles', 'member_scores', 'score_history', 'notifications', 'claim_address_fingerprints']) {
      expect(await t.dataSource.query(`SELECT 1 FROM ${table} WHERE member_id = $1`, [member.id])).toEqual([]);
    }
    const claims = await t.dataSource.query(
      `SELECT c.status, c.shipping_address, c.country, s.address AS shipment_address
       FROM claims c LEFT JOIN shipments s ON s.claim_id = c.id WHERE c.member_id = $1 ORDER BY c.created_at`,
      [member.id],
    );
    expect(claims).toEqual([
      { status: 'fulfilled', shipping_address: null, country: 'US', shipment_address: null },
      { status: 'pending', shipping_address: null, country: 'US', shipment_address: null },
    ]);
    await t.http.post('/auth/login').send({ email: member.email, password: TEST_PASSWORD }).expect(401);
    await expect(login(t.http, member.email)).rejects.toThrow();
  });

  it('pages perks offered at the same instant (a re-match offers several campaigns in one statement) in a stable order, none skipped or repeated', async () => {
    const member = await createMember(t.http);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' }, title: `Tie ${i}` }));
    await t.dataSource.query(`INSERT INTO offers (campaign_id, member_id) SELECT id, $2 FROM unnest($1::uuid[]) id ORDER BY id`, [ids, member.id]);
    expect(await walkPages(t.http, '/me/perks', member.auth, 'campaignId')).toEqual([...ids].sort().reverse());
  });

  it('shows 20 items a page when no limit is given: perks, claims and notifications', async () => {
    const member = await createMember(t.http);
    const ids: string[] = [];
    for (let i = 0; i < 21; i++) ids.push(await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' }, title: `Page ${i}` }));
    for (const id of ids) {
      await offer(id, member.id);
      await claim(id, member.id, 'pending');
    }
    await t.dataSource.query(`INSERT INTO notifications (member_id, kind, title) SELECT $1, 'claim', 'n' || g FROM generate_series(1, 21) g`, [member.id]);
    for (const list of ['/me/perks', '/me/claims', '/me/notifications']) {
      const page = await t.http.get(list).set('Authorization', member.auth).expect(200);
      expect({ list, items: page.body.items.length, more: typeof page.body.nextCursor }).toEqual({ list, items: 20, more: 'string' });
    }
  });

  it('replaces a failed claim\'s reason on erasure (a carrier may quote the address in it); the claim stays, failed', async () => {
    const member = await createMember(t.http);
    const campaign = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' } });
    await claim(campaign, member.id, 'failed');
    await t.dataSource.query(`UPDATE claims SET failure_reason = 'carrier refused: Ada Lovelace, 1 Road, London' WHERE member_id = $1`, [member.id]);
    await t.http.delete('/me').set('Authorization', member.auth).expect(204);
    const [row] = await t.dataSource.query(`SELECT status, failure_reason FROM claims WHERE member_id = $1`, [member.id]);
    expect(row.status).toBe('failed');
    expect(row.failure_reason).toEqual(expect.any(String));
    expect(row.failure_reason).not.toMatch(/Ada|Road|London/);
  });

  it('drops the claim gate\'s replay markers of an erased member from Redis, and only theirs', async () => {
    const [member, other] = [await createMember(t.http), await createMember(t.http)];
    const campaign = await insertCampaign(t.dataSource, { brandId, eligibility: { provider: 'klout' } });
    const keys = claimGateKeys(t.redisPrefix, campaign);
    const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      await redis.set(keys.idem(member.id, 'key-1'), 'c|{}', 'EX', 600);
      await redis.set(keys.idem(other.id, 'key-1'), 'c|{}', 'EX', 600);
      await t.http.delete('/me').set('Authorization', member.auth).expect(204);
      expect(await redis.exists(keys.idem(member.id, 'key-1'))).toBe(0);
      expect(await redis.exists(keys.idem(other.id, 'key-1'))).toBe(1);
    } finally {
      await redis.quit();
    }
  });

  it('re-matches a member who saves their profile for a provider whose only live campaign is paused', async () => {
    const member = await createMember(t.http);
    const provider = 'paused-only-probe';
    await t.dataSource.query(`INSERT INTO member_scores (provider, member_id, score, topics, scored_at) VALUES ($1, $2, 50, '{}', now())`, [provider, member.id]);
    await insertCampaign(t.dataSource, { brandId, eligibility: { provider }, status: 'paused' });
    await t.http.put('/me/profile').set('Authorization', member.auth).send({ country: 'US', birthDate: '1990-01-01', optedIn: true }).expect(200);
    expect(
      await t.dataSource.query(`SELECT payload FROM outbox WHERE job_name = 'match-member' AND payload->>'memberId' = $1`, [member.id]),
    ).toEqual([{ payload: { memberId: member.id, provider } }]);
  });

  it('takes birth dates from 1900-01-01 on, and refuses earlier ones with 400 VALIDATION_FAILED naming birthDate', async () => {
    const member = await createMember(t.http);
    const profile = { country: 'US', optedIn: true };
    await t.http.put('/me/profile').set('Authorization', member.auth).send({ ...profile, birthDate: '1900-01-01' }).expect(200);
    const refused = await t.http.put('/me/profile').set('Authorization', member.auth).send({ ...profile, birthDate: '1899-12-31' }).expect(400);
    expect(refused.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'birthDate' })] });
  });
});

describe('notifications (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createCampaignServiceApp(SCORES_TEST_OPTIONS);
  });
  afterAll(() => t.close());

  it('lists newest first page by page, marks one or all read, and hides other members’ notifications', async () => {
    const member = await createMember(t.http);
    const other = await createMember(t.http);
    await t.dataSource.query(
      `INSERT INTO notifications (member_id, kind, title, created_at)
       SELECT $1, 'offer', 'n' || g, now() - g * interval '1 minute' FROM generate_series(1, 5) g`,
      [member.id],
    );
    const page1 = await t.http.get('/me/notifications?limit=3').set('Authorization', member.auth).expect(200);
    expect(page1.body.items.map((n: { title: string }) => n.title)).toEqual(['n1', 'n2', 'n3']);
    expect(page1.body.unread).toBe(5);
    const page2 = await t.http.get(`/me/notifications?limit=3&cursor=${page1.body.nextCursor}`).set('Authorization', member.auth).expect(200);
    expect(page2.body.items.map((n: { title: string }) => n.title)).toEqual(['n4', 'n5']);
    expect(page2.body.nextCursor).toBeNull();

    const id = page1.body.items[0].id;
    await t.http.post(`/me/notifications/${id}/read`).set('Authorization', other.auth).expect(404);
    const read = await t.http.post(`/me/notifications/${id}/read`).set('Authorization', member.auth).expect(200);
    expect(read.body.readAt).toEqual(expect.any(String));
    expect((await t.http.post('/me/notifications/read-all').set('Authorization', member.auth).expect(200)).body).toEqual({ updated: 4 });
    expect((await t.http.get('/me/notifications').set('Authorization', member.auth).expect(200)).body.unread).toBe(0);
    expect((await t.http.get('/me/notifications').set('Authorization', other.auth).expect(200)).body.items).toEqual([]);
    await t.http.post('/me/notifications/nope/read').set('Authorization', member.auth).expect(404);
  });

  it('keeps the first readAt when a notification is marked read again', async () => {
    const member = await createMember(t.http);
    const [{ id }] = await t.dataSource.query(`INSERT INTO notifications (member_id, kind, title) VALUES ($1, 'claim', 'n') RETURNING id`, [member.id]);
    const first = await t.http.post(`/me/notifications/${id}/read`).set('Authorization', member.auth).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const again = await t.http.post(`/me/notifications/${id}/read`).set('Authorization', member.auth).expect(200);
    expect(again.body.readAt).toBe(first.body.readAt);
  });

  it('pages notifications created at the same instant by id, none skipped or repeated', async () => {
    const member = await createMember(t.http);
    const ids: string[] = (
      await t.dataSource.query(
        `INSERT INTO notifications (id, member_id, kind, title)
         SELECT id, $1, 'claim', 'tie' FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 5)) g ORDER BY id
         RETURNING id`,
        [member.id],
      )
    ).map((r: { id: string }) => r.id);
    expect(await walkPages(t.http, '/me/notifications', member.auth, 'id')).toEqual([...ids].sort().reverse());
  });
});
