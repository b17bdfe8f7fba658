import { Actor, createBrand, createMember, loginAdmin, TestApp } from '@app/testing';
import { campaignBody, createCampaign, createCampaignTestApp, createLaunchable } from './campaign-fixtures';

/** A small digital-code campaign, for the code-upload cases. */
const DIGITAL = { totalUnits: 10, perk: { kind: 'digital_code', title: 'Gift code', unitCostCents: 100 } };

const error = (statusCode: number, code: string) => ({ statusCode, code, message: expect.any(String) });
const validationOf = (field: string) => ({ ...error(400, 'VALIDATION_FAILED'), details: [{ field, errors: expect.any(Array) }] });
/** A cursor the client did not get from us: well-formed, but year 0000, which PostgreSQL does not have. */
const YEAR_ZERO_CURSOR = Buffer.from(JSON.stringify(['0000-01-01T00:00:00Z', '0b6c6a4e-8d7f-4c1e-9a43-5d0f6f1a2b3c'])).toString('base64url');
const ADDRESS = { name: 'Audit Member', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

/**
 * API.md probed as an outside contract checker would, on inputs the other specs do not send:
 * every answer is the documented status and error body, never a 500 nor a silent acceptance.
 */
describe('API.md contract audit (e2e)', () => {
  let t: TestApp;
  let brand: Actor;
  let admin: Actor;
  let member: Actor;

  beforeAll(async () => {
    t = await createCampaignTestApp();
    [brand, admin, member] = await Promise.all([createBrand(t.http, 'audit-brand'), loginAdmin(t.http), createMember(t.http, 'audit-member')]);
    // Matching offers opted-in members only, and a claim on an offer still asks for the opt-in.
    await t.http.put('/me/profile').set('Authorization', member.auth).send({ country: 'US', birthDate: '1990-01-01', optedIn: true }).expect(200);
  });
  afterAll(() => t.close());

  /** A live physical campaign the member was offered (the offer row stands in for the matching worker). */
  async function livePhysical(totalUnits = 5): Promise<string> {
    const id = await createLaunchable(t, brand, admin, { totalUnits, eligibility: { provider: 'klout' } });
    await t.http.post(`/campaigns/${id}/launch`).set('Authorization', brand.auth).expect(200);
    await t.dataSource.query(`INSERT INTO offers (campaign_id, member_id) VALUES ($1, $2)`, [id, member.id]);
    return id;
  }
  const claim = (campaignId: string, key: string, body: unknown) =>
    t.http.post(`/campaigns/${campaignId}/claims`).set('Authorization', member.auth).set('Idempotency-Key', key).send(body as object);
  const claimsOf = async (campaignId: string): Promise<number> =>
    (await t.dataSource.query(`SELECT count(*)::int AS n FROM claims WHERE campaign_id = $1`, [campaignId]))[0].n;

  it('answers a well-formed cursor naming a time PostgreSQL cannot hold with 400 on every list, not 500', async () => {
    const { id } = await createCampaign(t.http, brand);
    const lists: [string, Actor][] = [
      ['/campaigns', brand],
      ['/me/claims', member],
      ['/me/perks', member],
      ['/me/notifications', member],
      ['/admin/claims', admin],
      ['/admin/claim-holds', admin],
      ['/admin/audit-log', admin],
      [`/admin/campaigns/${id}/inventory-adjustments`, admin],
      [`/admin/campaigns/${id}/ledger`, admin],
    ];
    const answers = [];
    for (const [path, actor] of lists) {
      const res = await t.http.get(`${path}?cursor=${YEAR_ZERO_CURSOR}`).set('Authorization', actor.auth);
      answers.push({ path, status: res.status, code: res.body.code });
    }
    expect(answers).toEqual(lists.map(([path]) => ({ path, status: 400, code: 'VALIDATION_FAILED' })));
  });

  it('refuses ISO 8601 week and ordinal dates (which Date cannot read) for startsAt and endsAt with 400, not 500', async () => {
    const { id: draft } = await createCampaign(t.http, brand);
    for (const value of ['2030-W10-1', '2030-100', '2030-W10']) {
      for (const field of ['startsAt', 'endsAt']) {
        const body = { ...campaignBody({ startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-12-01T00:00:00Z' }), [field]: value };
        expect((await t.http.post('/campaigns').set('Authorization', brand.auth).send(body)).body).toEqual(validationOf(field));
        const patch = await t.http.patch(`/campaigns/${draft}`).set('Authorization', brand.auth).send({ [field]: value });
        expect(patch.body).toEqual(validationOf(field));
      }
    }
  });

  it('refuses a campaignId filter of 36 hex digits and dashes that is not a UUID with 400, not 500', async () => {
    for (const campaignId of ['-'.repeat(36), 'a'.repeat(36), '0b6c6a4e8d7f4c1e9a435d0f6f1a2b3c----']) {
      const res = await t.http.get(`/admin/claims?campaignId=${campaignId}`).set('Authorization', admin.auth);
      expect(res.body).toEqual(validationOf('campaignId'));
    }
  });

  it('refuses a shippingAddress that is not one address object, and creates no claim', async () => {
    const id = await livePhysical();
    for (const [i, shippingAddress] of [[ADDRESS], [], [[ADDRESS]]].entries()) {
      const res = await claim(id, `array-${i}`, { acceptDisclosure: true, shippingAddress }).expect(400);
      expect(res.body).toEqual({ ...error(400, 'VALIDATION_FAILED'), details: expect.arrayContaining([{ field: 'shippingAddress', errors: expect.any(Array) }]) });
    }
    expect(await claimsOf(id)).toBe(0);
    await claim(id, 'object', { acceptDisclosure: true, shippingAddress: ADDRESS }).expect(201);
  });

  it('refuses a shippingAddress country that is not an ISO 3166-1 alpha-2 code', async () => {
    const id = await livePhysical();
    for (const [i, country] of ['XX', 'ZZ', 'QQ'].entries()) {
      const res = await claim(id, `country-${i}`, { acceptDisclosure: true, shippingAddress: { ...ADDRESS, country } });
      expect(res.body).toEqual(validationOf('shippingAddress.country'));
    }
    expect(await claimsOf(id)).toBe(0);
  });

  it('refuses unknown fields sent to a route that takes no body, and still takes {} or no body there', async () => {
    const { id } = await createCampaign(t.http, brand);
    const calls: [string, string, Actor][] = [
      ['post', `/admin/campaigns/${id}/approve`, admin],
      ['post', `/campaigns/${id}/launch`, brand],
      ['post', `/campaigns/${id}/pause`, brand],
      ['post', `/campaigns/${id}/end`, brand],
      ['post', `/campaigns/${id}/funding`, brand],
      ['post', '/admin/claims/00000000-0000-4000-8000-000000000000/retry', admin],
      ['post', '/me/notifications/read-all', member],
      ['delete', '/me', member],
    ];
    for (const [method, path, actor] of calls) {
      const res = await t.http[method as 'post' | 'delete'](path).set('Authorization', actor.auth).send({ status: 'active', reviewStatus: 'approved' });
      expect({ path, body: res.body }).toEqual({
        path,
        body: {
          ...error(400, 'VALIDATION_FAILED'),
          details: [
            { field: 'status', errors: expect.any(Array) },
            { field: 'reviewStatus', errors: expect.any(Array) },
          ],
        },
      });
    }
    // A body of another type is refused as on a JSON route (415), never ignored: a text body is not an erasure asked for.
    for (const [method, path, actor] of calls) {
      const res = await t.http[method as 'post' | 'delete'](path).set('Authorization', actor.auth).set('Content-Type', 'text/plain').send('keep me');
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    await t.http.get('/me').set('Authorization', member.auth).expect(200);
    const campaign = (await t.http.get(`/campaigns/${id}`).set('Authorization', brand.auth).expect(200)).body;
    expect(campaign).toMatchObject({ status: 'draft', reviewStatus: 'pending' });
    await t.http.post(`/admin/campaigns/${id}/approve`).set('Authorization', admin.auth).send({}).expect(200);
    expect((await t.http.post(`/campaigns/${id}/launch`).set('Authorization', brand.auth).expect(409)).body).toEqual(error(409, 'CAMPAIGN_NOT_FUNDED'));
    // The guards still answer first: a stranger learns nothing from the body check.
    expect((await t.http.post(`/admin/campaigns/${id}/approve`).set('Authorization', brand.auth).send({ x: 1 })).body).toEqual(error(403, 'FORBIDDEN'));
    expect((await t.http.post(`/campaigns/${id}/launch`).send({ x: 1 })).body).toEqual(error(401, 'UNAUTHORIZED'));
  });

  it('refuses a week or ordinal scoredAt as a date-time it cannot read, not as a time in the future', async () => {
    for (const scoredAt of ['2026-W10-1', '2026-100']) {
      const res = await t.http.post('/scores/batch').set('X-Provider-Key', 'klout-test-key').send({ scoredAt, scores: [] }).expect(400);
      expect(res.body).toEqual({ ...validationOf('scoredAt'), details: [{ field: 'scoredAt', errors: [expect.stringContaining('date-time')] }] });
    }
  });

  it('trims JSON codes as CSV lines are, so a code with surrounding spaces is the same code', async () => {
    const { id } = await createCampaign(t.http, brand, DIGITAL);
    const json = (codes: string[]) => t.http.post(`/campaigns/${id}/codes`).set('Authorization', brand.auth).send({ codes });
    expect((await json([' J-1 ', 'J-2']).expect(201)).body).toEqual({ added: 2, duplicates: 0 });
    expect((await json(['J-1', '\tJ-2']).expect(201)).body).toEqual({ added: 0, duplicates: 2 });
    expect((await json(['   ']).expect(400)).body.code).toBe('VALIDATION_FAILED');
    const pool = await t.dataSource.query(`SELECT code FROM campaign_codes WHERE campaign_id = $1 ORDER BY code`, [id]);
    expect(pool.map((r: { code: string }) => r.code)).toEqual(['J-1', 'J-2']);
  });

  describe('text/csv codes', () => {
    const upload = (id: string, body: string | Buffer) =>
      t.http.post(`/campaigns/${id}/codes`).set('Authorization', brand.auth).set('Content-Type', 'text/csv').send(body);
    const poolOf = async (id: string): Promise<string[]> =>
      (await t.dataSource.query(`SELECT code FROM campaign_codes WHERE campaign_id = $1 ORDER BY code`, [id])).map((r: { code: string }) => r.code);

    it('skips the header when blank lines (or a BOM and blank lines) come before it', async () => {
      const { id } = await createCampaign(t.http, brand, DIGITAL);
      expect((await upload(id, '\ncode\nA-1\n').expect(201)).body).toEqual({ added: 1, duplicates: 0 });
      expect((await upload(id, Buffer.from('\uFEFF\r\n\r\nCODE\r\nA-2\r\nA-1\r\n')).expect(201)).body).toEqual({ added: 1, duplicates: 1 });
      expect(await poolOf(id)).toEqual(['A-1', 'A-2']);
    });

    it('reads lines ended by a lone CR (classic Mac) like any other line break', async () => {
      const { id } = await createCampaign(t.http, brand, DIGITAL);
      expect((await upload(id, 'code\rB-1\rB-2\rB-1\r').expect(201)).body).toEqual({ added: 2, duplicates: 1 });
      expect(await poolOf(id)).toEqual(['B-1', 'B-2']);
    });
  });
});
