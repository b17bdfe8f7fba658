import { Actor, createBrand, createMember, loginAdmin, TestApp } from '@app/testing';
import { campaignBody, createCampaign, createCampaignTestApp, markFunded } from './campaign-fixtures';

const error = (statusCode: number, code: string) => ({ statusCode, code, message: expect.any(String) });
const unknownFields = (...fields: string[]) => ({
  ...error(400, 'VALIDATION_FAILED'),
  details: fields.map((field) => ({ field, errors: [`property ${field.split('.').pop()} should not exist`] })),
});
/** The JSON text of `body` with `key: value` put first, as a client's hand-written JSON would carry it. */
const withKey = (body: object, key: string, value: unknown): string => `{${JSON.stringify(key)}:${JSON.stringify(value)},${JSON.stringify(body).slice(1)}`;
const DIGITAL = { totalUnits: 10, perk: { kind: 'digital_code', title: 'Gift code', unitCostCents: 100 } };

/** A second contract audit of API.md, on inputs the first one (contract-audit.e2e-spec.ts) did not send. */
describe('API.md contract audit, second round (e2e)', () => {
  let t: TestApp;
  let brand: Actor;
  let admin: Actor;
  let member: Actor;

  beforeAll(async () => {
    t = await createCampaignTestApp({ env: { PLATFORM_FEE_BPS: '1000' } });
    [brand, admin, member] = await Promise.all([createBrand(t.http, 'audit2-brand'), loginAdmin(t.http), createMember(t.http, 'audit2-member')]);
  });
  afterAll(() => t.close());

  const adjust = (id: string, delta: number) =>
    t.http.post(`/admin/campaigns/${id}/inventory-adjustments`).set('Authorization', admin.auth).send({ delta, reason: 'audit' }).expect(201);
  const campaign = async (id: string) => (await t.http.get(`/campaigns/${id}`).set('Authorization', brand.auth).expect(200)).body;
  const rawJson = (method: 'post' | 'put' | 'patch', path: string, auth: string, json: string) =>
    t.http[method](path).set('Authorization', auth).set('Content-Type', 'application/json').send(json);

  it("keeps a draft's fundingRequiredCents = totalUnits × unitCostCents + fee when an admin adjusts its units", async () => {
    const { id } = await createCampaign(t.http, brand, { totalUnits: 3, perk: { kind: 'physical', title: 'Box', unitCostCents: 505 } });
    expect(await campaign(id)).toMatchObject({ totalUnits: 3, fundingRequiredCents: 1515 + 152 });
    await adjust(id, 2);
    expect(await campaign(id)).toMatchObject({ totalUnits: 5, fundingRequiredCents: 2525 + 253 });
    await adjust(id, -4);
    expect(await campaign(id)).toMatchObject({ totalUnits: 1, fundingRequiredCents: 505 + 51 });
    // Once funded, it is what the brand paid for: a later adjustment does not rewrite it.
    await markFunded(t.dataSource, id);
    await adjust(id, 1);
    expect(await campaign(id)).toMatchObject({ status: 'funded', totalUnits: 2, fundingRequiredCents: 556 });
  });

  it('refuses __proto__ and constructor keys (which class-transformer drops unseen) as unknown fields, and creates nothing', async () => {
    const campaignsOfBrand = async (): Promise<number> =>
      (await t.dataSource.query(`SELECT count(*)::int AS n FROM campaigns WHERE brand_id = $1`, [brand.brandId]))[0].n;
    const before = await campaignsOfBrand();
    const body = campaignBody();
    const create = (json: string) => rawJson('post', '/campaigns', brand.auth, json);
    expect((await create(withKey(body, '__proto__', { status: 'active' }))).body).toEqual(unknownFields('__proto__'));
    expect((await create(withKey(body, 'constructor', { prototype: { status: 'active' } }))).body).toEqual(unknownFields('constructor'));
    const nested = { ...body, perk: JSON.parse(withKey(body.perk as object, '__proto__', { x: 1 })), eligibility: JSON.parse(withKey(body.eligibility as object, 'constructor', 1)) };
    expect((await create(JSON.stringify(nested))).body).toEqual(unknownFields('eligibility.constructor', 'perk.__proto__'));
    expect(await campaignsOfBrand()).toBe(before);

    const { id } = await createCampaign(t.http, brand, DIGITAL);
    expect((await rawJson('patch', `/campaigns/${id}`, brand.auth, withKey({ name: 'Renamed' }, '__proto__', 1))).body).toEqual(unknownFields('__proto__'));
    expect(await campaign(id)).toMatchObject({ name: body.name });
    const profile = { country: 'US', birthDate: '1990-01-01', optedIn: true };
    expect((await rawJson('put', '/me/profile', member.auth, withKey(profile, '__proto__', {}))).body).toEqual(unknownFields('__proto__'));
    const scores = { scoredAt: new Date().toISOString(), scores: [] };
    const batch = await t.http.post('/scores/batch').set('X-Provider-Key', 'klout-test-key').set('Content-Type', 'application/json').send(withKey(scores, 'constructor', 1));
    expect(batch.body).toEqual(unknownFields('constructor'));
    // JSON codes are validated by their route, not by the global pipe
    expect((await rawJson('post', `/campaigns/${id}/codes`, brand.auth, withKey({ codes: ['P-1'] }, '__proto__', 1))).body).toEqual(unknownFields('__proto__'));
    expect((await t.http.get(`/campaigns/${id}/inventory`).set('Authorization', brand.auth).expect(200)).body.codesLoaded).toBe(0);
    expect((await t.http.get('/campaigns?__proto__=1').set('Authorization', brand.auth)).body).toEqual(unknownFields('__proto__'));
  });

  it('refuses keys named like Object.prototype members (toString, valueOf, …) as unknown fields; in a score item, that item alone', async () => {
    const profile = { country: 'US', birthDate: '1990-01-01', optedIn: true };
    for (const key of ['toString', 'valueOf', 'hasOwnProperty', '__defineGetter__']) {
      expect((await rawJson('put', '/me/profile', member.auth, withKey(profile, key, 1))).body).toEqual(unknownFields(key));
    }
    expect((await t.http.get('/campaigns?toString=1').set('Authorization', brand.auth)).body).toEqual(unknownFields('toString'));
    const scoredAt = new Date(Date.now() - 60_000).toISOString();
    const post = (json: string) => t.http.post('/scores/batch').set('X-Provider-Key', 'klout-test-key').set('Content-Type', 'application/json').send(json);
    expect((await post(withKey({ scoredAt, scores: [] }, 'valueOf', 1))).body).toEqual(unknownFields('valueOf'));
    const good = { memberId: member.id, score: 50 };
    const items = [withKey(good, 'constructor', 1), withKey(good, '__proto__', {}), withKey(good, 'valueOf', 1), JSON.stringify({ ...good, topics: [JSON.parse(withKey({ topic: 'tech', score: 1 }, 'toString', 1))] }), JSON.stringify(good)];
    const batch = await post(`{"scoredAt":${JSON.stringify(scoredAt)},"scores":[${items.join(',')}]}`).expect(202);
    expect(batch.body).toEqual({
      accepted: 1,
      rejected: [0, 1, 2, 3].map((index) => ({ index, code: 'INVALID_ITEM', message: expect.any(String) })),
    });
  });

  describe('text/csv codes in other charsets', () => {
    const LATIN1 = Buffer.from('code\nCAF\xe9-1\n', 'latin1');
    const upload = (id: string, contentType: string, body: Buffer) =>
      t.http.post(`/campaigns/${id}/codes`).set('Authorization', brand.auth).set('Content-Type', contentType).send(body);
    const poolOf = async (id: string): Promise<string[]> =>
      (await t.dataSource.query(`SELECT code FROM campaign_codes WHERE campaign_id = $1 ORDER BY code`, [id])).map((r: { code: string }) => r.code);

    it('refuses bytes that are not UTF-8 instead of loading a code with U+FFFD in it', async () => {
      const { id } = await createCampaign(t.http, brand, DIGITAL);
      for (const contentType of ['text/csv', 'text/csv; charset=utf-8']) {
        const res = await upload(id, contentType, LATIN1).expect(400);
        expect(res.body).toEqual({ ...error(400, 'VALIDATION_FAILED'), details: [{ field: 'codes', errors: ['the upload is not valid utf-8 text'] }] });
      }
      expect(await poolOf(id)).toEqual([]);
    });

    it('reads the charset the upload declares, and answers 415 to one it does not know', async () => {
      const { id } = await createCampaign(t.http, brand, DIGITAL);
      expect((await upload(id, 'text/csv; charset=ISO-8859-1', LATIN1).expect(201)).body).toEqual({ added: 1, duplicates: 0 });
      expect((await upload(id, 'text/csv; charset=utf-8', Buffer.from('code\nCAFé-1\nCAFé-2\n')).expect(201)).body).toEqual({ added: 1, duplicates: 1 });
      expect((await upload(id, 'text/csv; charset=klingon', Buffer.from('code\nK-1\n'))).body).toEqual(error(415, 'UNSUPPORTED_MEDIA_TYPE'));
      expect(await poolOf(id)).toEqual(['CAFé-1', 'CAFé-2']);
    });
  });
});
