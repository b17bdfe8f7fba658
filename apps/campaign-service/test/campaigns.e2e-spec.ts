import { Actor, createBrand, createMember, loginAdmin, TestApp } from '@app/testing';
import { campaignBody, createCampaign, createCampaignTestApp, markFunded } from './campaign-fixtures';

const DAY = 24 * 3600_000;

describe('campaigns (e2e)', () => {
  let t: TestApp;
  let brandA: Actor;
  let brandB: Actor;
  let member: Actor;
  let admin: Actor;

  beforeAll(async () => {
    t = await createCampaignTestApp();
    [brandA, brandB, member, admin] = await Promise.all([
      createBrand(t.http, 'brand-a'),
      createBrand(t.http, 'brand-b'),
      createMember(t.http),
      loginAdmin(t.http),
    ]);
  });
  afterAll(() => t.close());

  describe('POST /campaigns', () => {
    it('creates a draft pending review, with the funding required (units × cost + 10% fee)', async () => {
      const body = campaignBody({ startsAt: '2030-12-01T00:00:00Z', endsAt: '2030-12-31T00:00:00Z' });
      const res = await t.http.post('/campaigns').set('Authorization', brandA.auth).send(body).expect(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        status: 'draft',
        reviewStatus: 'pending',
        reviewReason: null,
        brandId: brandA.brandId,
        name: 'Winter coffee',
        description: 'A month of coffee',
        perk: { kind: 'physical', title: 'Coffee box', unitCostCents: 500 },
        totalUnits: 1000,
        perMemberLimit: 1,
        startsAt: '2030-12-01T00:00:00.000Z',
        endsAt: '2030-12-31T00:00:00.000Z',
        eligibility: body.eligibility,
        fundingRequiredCents: 550_000,
        launchedAt: null,
        endedAt: null,
        createdAt: expect.any(String),
      });
      expect(Date.parse(res.body.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    });

    it('rounds the fee half up in whole cents and defaults optional fields', async () => {
      const res = await t.http
        .post('/campaigns')
        .set('Authorization', brandA.auth)
        .send({ name: 'Tiny', perk: { kind: 'experience', title: 'Tour', unitCostCents: 5 }, totalUnits: 3, endsAt: '2031-01-01T00:00:00Z', eligibility: { provider: 'peerindex' } })
        .expect(201);
      expect(res.body).toMatchObject({ fundingRequiredCents: 17, perMemberLimit: 1, startsAt: null, description: '', eligibility: { provider: 'peerindex' } });
    });

    it('targets any topic a provider may score, including slugs with an underscore', async () => {
      const eligibility = { provider: 'klout', topics: ['tech_news', 'home-decor', 'tech'] };
      const res = await t.http.post('/campaigns').set('Authorization', brandA.auth).send(campaignBody({ eligibility })).expect(201);
      expect(res.body.eligibility).toEqual(eligibility);
    });

    const bad: [string, Record<string, unknown>, string][] = [
      ['unknown provider', { eligibility: { provider: 'myspace' } }, 'eligibility.provider'],
      ['missing provider', { eligibility: { minScore: 10 } }, 'eligibility.provider'],
      ['minScore above 100', { eligibility: { provider: 'klout', minScore: 101 } }, 'eligibility.minScore'],
      ['minScore as a string', { eligibility: { provider: 'klout', minScore: '50' } }, 'eligibility.minScore'],
      ['minPercentile below 0', { eligibility: { provider: 'klout', minPercentile: -1 } }, 'eligibility.minPercentile'],
      ['minPercentile above 100', { eligibility: { provider: 'klout', minPercentile: 100.5 } }, 'eligibility.minPercentile'],
      ['upper-case topic', { eligibility: { provider: 'klout', topics: ['Tech'] } }, 'eligibility.topics'],
      ['topic with spaces', { eligibility: { provider: 'klout', topics: ['video games'] } }, 'eligibility.topics'],
      ['topic with a trailing underscore', { eligibility: { provider: 'klout', topics: ['tech_'] } }, 'eligibility.topics'],
      ['topics not an array', { eligibility: { provider: 'klout', topics: 'tech' } }, 'eligibility.topics'],
      ['minTopicScore above 100', { eligibility: { provider: 'klout', minTopicScore: 1000 } }, 'eligibility.minTopicScore'],
      ['lower-case country', { eligibility: { provider: 'klout', countries: ['us'] } }, 'eligibility.countries'],
      ['unknown country code', { eligibility: { provider: 'klout', countries: ['XX'] } }, 'eligibility.countries'],
      ['alpha-3 country code', { eligibility: { provider: 'klout', countries: ['USA'] } }, 'eligibility.countries'],
      ['negative minAge', { eligibility: { provider: 'klout', minAge: -1 } }, 'eligibility.minAge'],
      ['fractional minAge', { eligibility: { provider: 'klout', minAge: 17.5 } }, 'eligibility.minAge'],
      ['null minAge', { eligibility: { provider: 'klout', minAge: null } }, 'eligibility.minAge'],
      ['unknown eligibility field', { eligibility: { provider: 'klout', maxScore: 3 } }, 'eligibility.maxScore'],
      ['missing eligibility', { eligibility: undefined }, 'eligibility'],
      ['endsAt in the past', { endsAt: '2020-01-01T00:00:00Z' }, 'endsAt'],
      ['endsAt before startsAt', { startsAt: '2031-02-01T00:00:00Z', endsAt: '2031-01-01T00:00:00Z' }, 'endsAt'],
      ['endsAt not a date', { endsAt: 'next friday' }, 'endsAt'],
      ['impossible startsAt', { startsAt: '2031-02-30T00:00:00Z' }, 'startsAt'],
      ['zero totalUnits', { totalUnits: 0 }, 'totalUnits'],
      ['fractional totalUnits', { totalUnits: 1.5 }, 'totalUnits'],
      ['huge totalUnits', { totalUnits: 1e12 }, 'totalUnits'],
      ['zero unitCostCents', { perk: { kind: 'physical', title: 'x', unitCostCents: 0 } }, 'perk.unitCostCents'],
      ['unknown perk kind', { perk: { kind: 'coupon', title: 'x', unitCostCents: 1 } }, 'perk.kind'],
      ['perk as a string', { perk: 'coffee' }, 'perk'],
      ['zero perMemberLimit', { perMemberLimit: 0 }, 'perMemberLimit'],
      ['empty name', { name: '' }, 'name'],
      ['blank name', { name: '   ' }, 'name'],
      ['blank perk title', { perk: { kind: 'physical', title: ' \t ', unitCostCents: 500 } }, 'perk.title'],
      ['null name', { name: null }, 'name'],
      ['null description', { description: null }, 'description'],
      ['unknown top-level field', { status: 'active' }, 'status'],
    ];

    it.each(bad)('refuses %s with 400 naming %s', async (_, overrides, field) => {
      const res = await t.http.post('/campaigns').set('Authorization', brandA.auth).send(campaignBody(overrides)).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('refuses a non-object body and malformed JSON with 400', async () => {
      await t.http.post('/campaigns').set('Authorization', brandA.auth).set('Content-Type', 'application/json').send('[1,2]').expect(400);
      await t.http.post('/campaigns').set('Authorization', brandA.auth).set('Content-Type', 'application/json').send('{"name":').expect(400);
    });

    it('is for brands only: member and admin 403, anonymous 401', async () => {
      expect((await t.http.post('/campaigns').set('Authorization', member.auth).send(campaignBody()).expect(403)).body.code).toBe('FORBIDDEN');
      await t.http.post('/campaigns').set('Authorization', admin.auth).send(campaignBody()).expect(403);
      expect((await t.http.post('/campaigns').send(campaignBody()).expect(401)).body.code).toBe('UNAUTHORIZED');
    });
  });

  describe('tenant isolation under /campaigns/:id', () => {
    const routes: [method: 'get' | 'post' | 'patch', path: string][] = [
      ['get', ''],
      ['patch', ''],
      ['post', '/launch'],
      ['post', '/pause'],
      ['post', '/resume'],
      ['post', '/end'],
      ['get', '/stats'],
      ['get', '/inventory'],
      ['post', '/codes'],
    ];
    let campaignId: string;
    const bodyFor = (method: string, path: string) => (method === 'patch' ? { name: 'Hijacked' } : path === '/codes' ? { codes: ['X'] } : undefined);

    beforeAll(async () => {
      campaignId = (await createCampaign(t.http, brandA, { perk: { kind: 'digital_code', title: 'Code', unitCostCents: 100 } })).id;
    });

    it.each(routes)("another brand gets 404 on %s …%s and changes nothing", async (method, path) => {
      const res = await t.http[method](`/campaigns/${campaignId}${path}`).set('Authorization', brandB.auth).send(bodyFor(method, path));
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
    });

    it.each(routes)('a member gets 403 on %s …%s', async (method, path) => {
      const res = await t.http[method](`/campaigns/${campaignId}${path}`).set('Authorization', member.auth);
      expect(res.status).toBe(403);
    });

    it.each(routes)('anonymous gets 401 on %s …%s', async (method, path) => {
      expect((await t.http[method](`/campaigns/${campaignId}${path}`)).status).toBe(401);
    });

    it.each(['not-a-uuid', '00000000-0000-0000-0000-000000000000'])('unknown or malformed id %s is 404', async (id) => {
      await t.http.get(`/campaigns/${id}`).set('Authorization', brandA.auth).expect(404);
      await t.http.get(`/campaigns/${id}`).set('Authorization', admin.auth).expect(404);
    });

    it('the campaign is unchanged after the foreign attempts; owner and admin see it', async () => {
      const own = await t.http.get(`/campaigns/${campaignId}`).set('Authorization', brandA.auth).expect(200);
      expect(own.body).toMatchObject({ status: 'draft', name: 'Winter coffee' });
      await t.http.get(`/campaigns/${campaignId}`).set('Authorization', admin.auth).expect(200);
      const [{ count }] = await t.dataSource.query(`SELECT count(*)::int AS count FROM campaign_codes WHERE campaign_id = $1`, [campaignId]);
      expect(count).toBe(0);
    });
  });

  describe('GET /campaigns', () => {
    let brandC: Actor;
    const created: string[] = [];

    beforeAll(async () => {
      brandC = await createBrand(t.http, 'brand-c');
      for (let i = 0; i < 5; i++) created.push((await createCampaign(t.http, brandC, { name: `C${i}` })).id);
    });

    it('pages a brand through its own campaigns, newest first', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: Record<string, string | number> = cursor ? { limit: 2, cursor } : { limit: 2 };
        const res = await t.http.get('/campaigns').query(query).set('Authorization', brandC.auth).expect(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((c: { id: string }) => c.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...created].reverse());
    });

    it('never shows another brand’s campaigns', async () => {
      const res = await t.http.get('/campaigns').query({ limit: 100 }).set('Authorization', brandB.auth).expect(200);
      expect(res.body.items.every((c: { brandId: string }) => c.brandId === brandB.brandId)).toBe(true);
      expect(res.body.items.map((c: { id: string }) => c.id)).not.toContain(created[0]);
    });

    it('shows admins every brand’s campaigns', async () => {
      const res = await t.http.get('/campaigns').query({ limit: 100 }).set('Authorization', admin.auth).expect(200);
      const brands = new Set(res.body.items.map((c: { brandId: string }) => c.brandId));
      expect(brands.has(brandA.brandId)).toBe(true);
      expect(brands.has(brandC.brandId)).toBe(true);
    });

    it('filters by review status and by the status the list shows, for brands and admins', async () => {
      const brandD = await createBrand(t.http, 'brand-d');
      const made: { id: string }[] = [];
      for (let i = 0; i < 4; i++) made.push(await createCampaign(t.http, brandD, { name: `D${i}`, totalUnits: 2 }));
      const [pending, approved, active, soldOut] = made;
      await t.http.post(`/admin/campaigns/${approved.id}/approve`).set('Authorization', admin.auth).expect(200);
      await t.dataSource.query(`UPDATE campaigns SET status = 'active', review_status = 'approved', claimed_units = CASE WHEN id = $2 THEN 2 ELSE 1 END WHERE id IN ($1, $2)`, [active.id, soldOut.id]);
      const ids = async (actor: Actor, query: Record<string, string>) =>
        (await t.http.get('/campaigns').query({ ...query, limit: 100 }).set('Authorization', actor.auth).expect(200)).body.items
          .map((c: { id: string }) => c.id)
          .filter((id: string) => [pending.id, approved.id, active.id, soldOut.id].includes(id));

      expect(await ids(brandD, { reviewStatus: 'pending' })).toEqual([pending.id]);
      expect(await ids(admin, { reviewStatus: 'approved' })).toEqual([soldOut.id, active.id, approved.id]);
      expect(await ids(admin, { status: 'draft' })).toEqual([approved.id, pending.id]);
      expect(await ids(brandD, { status: 'active' })).toEqual([active.id]);
      expect(await ids(brandD, { status: 'sold_out' })).toEqual([soldOut.id]);
      expect(await ids(admin, { status: 'draft', reviewStatus: 'approved' })).toEqual([approved.id]);
      expect(await ids(brandB, { reviewStatus: 'pending' })).toEqual([]);
      for (const query of [{ status: 'live' }, { reviewStatus: 'PENDING' }]) {
        const res = await t.http.get('/campaigns').query(query).set('Authorization', brandD.auth).expect(400);
        expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(Object.keys(query));
      }
    });

    it('defaults to 20 items and refuses bad paging input', async () => {
      expect((await t.http.get('/campaigns').set('Authorization', brandC.auth).expect(200)).body.nextCursor).toBeNull();
      for (const [query, field] of [
        [{ limit: 101 }, 'limit'],
        [{ limit: 0 }, 'limit'],
        [{ limit: 'ten' }, 'limit'],
        [{ cursor: 'garbage' }, 'cursor'],
        [{ cursor: Buffer.from(JSON.stringify(['1', '00000000-0000-0000-0000-000000000000'])).toString('base64url') }, 'cursor'],
        [{ cursor: Buffer.from(JSON.stringify(['2026-01-01T00:00:00Z', '-'.repeat(36)])).toString('base64url') }, 'cursor'],
        [{ sort: 'name' }, 'sort'],
      ] as const) {
        const res = await t.http.get('/campaigns').query(query).set('Authorization', brandC.auth).expect(400);
        expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      }
    });

    it('is 403 for members and 401 for anonymous callers', async () => {
      await t.http.get('/campaigns').set('Authorization', member.auth).expect(403);
      await t.http.get('/campaigns').expect(401);
    });
  });

  describe('PATCH /campaigns/:id', () => {
    it('edits a draft and recomputes the funding required', async () => {
      const campaign = await createCampaign(t.http, brandA);
      const res = await t.http
        .patch(`/campaigns/${campaign.id}`)
        .set('Authorization', brandA.auth)
        .send({ totalUnits: 10, perk: { kind: 'digital_code', title: 'Gift card', unitCostCents: 1000 }, eligibility: { provider: 'peerindex', countries: ['DE'] } })
        .expect(200);
      expect(res.body).toMatchObject({
        totalUnits: 10,
        perk: { kind: 'digital_code', title: 'Gift card', unitCostCents: 1000 },
        eligibility: { provider: 'peerindex', countries: ['DE'] },
        fundingRequiredCents: 11_000,
        name: 'Winter coffee',
      });
      expect(res.body.eligibility).not.toHaveProperty('minScore');
    });

    it('checks the merged schedule and the provider', async () => {
      const campaign = await createCampaign(t.http, brandA, { endsAt: new Date(Date.now() + 10 * DAY).toISOString() });
      const late = await t.http
        .patch(`/campaigns/${campaign.id}`)
        .set('Authorization', brandA.auth)
        .send({ startsAt: new Date(Date.now() + 20 * DAY).toISOString() })
        .expect(400);
      expect(late.body.details).toEqual([expect.objectContaining({ field: 'endsAt' })]);
      const provider = await t.http.patch(`/campaigns/${campaign.id}`).set('Authorization', brandA.auth).send({ eligibility: { provider: 'nope' } }).expect(400);
      expect(provider.body.details).toEqual([expect.objectContaining({ field: 'eligibility.provider' })]);
      const nulled = await t.http.patch(`/campaigns/${campaign.id}`).set('Authorization', brandA.auth).send({ totalUnits: null }).expect(400);
      expect(nulled.body.details).toEqual([expect.objectContaining({ field: 'totalUnits' })]);
    });

    it('clears startsAt with null (the campaign then starts at launch)', async () => {
      const campaign = await createCampaign(t.http, brandA, { startsAt: new Date(Date.now() + DAY).toISOString() });
      const res = await t.http.patch(`/campaigns/${campaign.id}`).set('Authorization', brandA.auth).send({ startsAt: null }).expect(200);
      expect(res.body.startsAt).toBeNull();
    });

    it('refuses once funded with 409 CAMPAIGN_NOT_EDITABLE', async () => {
      const campaign = await createCampaign(t.http, brandA);
      expect(await markFunded(t.dataSource, campaign.id)).toBe(true);
      const res = await t.http.patch(`/campaigns/${campaign.id}`).set('Authorization', brandA.auth).send({ name: 'Renamed' }).expect(409);
      expect(res.body.code).toBe('CAMPAIGN_NOT_EDITABLE');
      expect((await t.http.get(`/campaigns/${campaign.id}`).set('Authorization', brandA.auth)).body.name).toBe('Winter coffee');
    });

    it('marking funded is guarded: only a draft becomes funded, once', async () => {
      const campaign = await createCampaign(t.http, brandA);
      expect(await markFunded(t.dataSource, campaign.id)).toBe(true);
      expect(await markFunded(t.dataSource, campaign.id)).toBe(false);
      expect((await t.http.get(`/campaigns/${campaign.id}`).set('Authorization', brandA.auth)).body.status).toBe('funded');
    });
  });

  describe('GET /campaigns/:id/stats', () => {
    it('aggregates claims, offers and the ledger without member identities', async () => {
      const campaign = await createCampaign(t.http, brandA, { totalUnits: 10, eligibility: { provider: 'klout', minScore: 40 } });
      const members = await Promise.all([1, 2, 3, 4, 5].map((i) => createMember(t.http, `stats${i}`)));
      // eligible: members 0-2 (opted in, score ≥ 40); member 3 scores too low, member 4 is not opted in
      for (const [i, score, optedIn] of [[0, 90, true], [1, 40, true], [2, 75, true], [3, 39, true], [4, 95, false]] as const) {
        await t.dataSource.query(`INSERT INTO member_profiles (member_id, country, birth_date, opted_in) VALUES ($1, 'US', '1990-01-01', $2)`, [members[i].id, optedIn]);
        await t.dataSource.query(`INSERT INTO member_scores (provider, member_id, score, scored_at) VALUES ('klout', $1, $2, now())`, [members[i].id, score]);
      }
      const claims: [number, string, string | null][] = [
        [0, 'fulfilled', 'US'],
        [1, 'fulfilled', 'US'],
        [2, 'pending', 'CA'],
        [3, 'failed', 'US'],
        [4, 'cancelled', 'DE'],
      ];
      for (const [i, status, country] of claims) {
        await t.dataSource.query(
          `INSERT INTO claims (campaign_id, member_id, idempotency_key, status, country, disclosure_accepted_at) VALUES ($1, $2, $3, $4, $5, now())`,
          [campaign.id, members[i].id, `k${i}`, status, country],
        );
      }
      for (const m of members) await t.dataSource.query(`INSERT INTO offers (campaign_id, member_id) VALUES ($1, $2)`, [campaign.id, m.id]);
      await t.dataSource.query(`UPDATE campaigns SET claimed_units = 3 WHERE id = $1`, [campaign.id]);
      // The money is that of the payment funding the campaign; a stale one (refunded in full) is not counted.
      const [paid, stale] = await t.dataSource.query(
        `INSERT INTO fundings (campaign_id, status, funded_units, unit_cost_cents, fee_bps, units_cents, fee_cents, amount_cents)
         VALUES ($1, 'paid', 10, 500, 1000, 5000, 500, 5500), ($1, 'stale', 4, 500, 1000, 2000, 200, 2200) RETURNING id`,
        [campaign.id],
      );
      await t.dataSource.query(
        `INSERT INTO ledger_entries (campaign_id, funding_id, kind, amount_cents, stripe_object_id, description)
         VALUES ($1, $2, 'charge', 5000, 'pi_1', 'units'), ($1, $2, 'fee', 500, 'pi_1', 'fee'), ($1, $2, 'refund', -1000, 're_1', 'unused'),
                ($1, $3, 'charge', 2000, 'pi_0', 'units'), ($1, $3, 'fee', 200, 'pi_0', 'fee'),
                ($1, $3, 'refund', -2000, 're_0', 'stale'), ($1, $3, 'fee_refund', -200, 're_0', 'stale')`,
        [campaign.id, paid.id, stale.id],
      );

      const today = (await t.dataSource.query(`SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day`))[0].day;
      const res = await t.http.get(`/campaigns/${campaign.id}/stats`).set('Authorization', brandA.auth).expect(200);
      const audience = await t.http.get(`/campaigns/${campaign.id}/audience`).set('Authorization', brandA.auth).expect(200);
      expect(res.body).toEqual({
        totalUnits: 10,
        claimedUnits: 3,
        fulfilledUnits: 2,
        failedUnits: 1,
        remainingUnits: 7,
        eligibleMembers: 3,
        offeredMembers: 5,
        fundedCents: 5500,
        refundedCents: 1000,
        claimsByCountry: { CA: 1, US: 2 },
        claimsByDay: { [today]: 3 },
      });
      expect(audience.body.eligibleMembers).toBe(3);
      expect(JSON.stringify(res.body)).not.toContain(members[0].id);
      await t.http.get(`/campaigns/${campaign.id}/stats`).set('Authorization', admin.auth).expect(200);
    });
  });
});
