import { INestApplicationContext } from '@nestjs/common';
import { AddressInfo } from 'node:net';
import { Actor, createBrand, createMember, createWorkerContext, FakeStripe, loginAdmin, recordResponses, RecordedResponse, TestApp, undocumentedResponses } from '@app/testing';
import { FulfillmentModule } from '../../fulfillment-service/src/fulfillment.module';
import { MatchingModule } from '../../matching-service/src/matching.module';
import { createCampaignServiceApp } from './app';

const STRIPE_SECRET_KEY = 'sk_test_e2e_contract';
const STRIPE_WEBHOOK_SECRET = 'whsec_e2e_contract';
const KLOUT_KEY = 'klout-test-key';
const DAY = 24 * 3600_000;
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const UUID = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
const UUID_NIL = '00000000-0000-0000-0000-000000000000';

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * API.md walked as an outside client would: only HTTP calls (no SQL), exact shapes and status
 * codes, the fake Stripe paid through its checkout page, and the workers running in process.
 */
describe('API.md contract (e2e, as a client)', () => {
  let t: TestApp;
  let fake: FakeStripe;
  let matching: INestApplicationContext;
  let fulfillment: INestApplicationContext;
  let brand: Actor;
  let otherBrand: Actor;
  let admin: Actor;
  let member: Actor;
  let minor: Actor;
  let responses: RecordedResponse[];

  beforeAll(async () => {
    fake = new FakeStripe({ secretKey: STRIPE_SECRET_KEY, webhookSecret: STRIPE_WEBHOOK_SECRET });
    const base = await fake.start();
    t = await createCampaignServiceApp({
      env: {
        STRIPE_API_BASE: base,
        STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET,
        PLATFORM_FEE_BPS: '1000',
        RATE_LIMIT_REGISTER: '0',
        RATE_LIMIT_LOGIN: '0',
        RATE_LIMIT_LOGIN_ACCOUNT: '0',
        RATE_LIMIT_IP: '0',
        RATE_LIMIT_ACCOUNT: '0',
      },
    });
    responses = recordResponses(t.app.getHttpServer());
    await t.app.listen(0, '127.0.0.1');
    fake.setWebhookUrl(`http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}/payments/stripe/webhook`);
    matching = await createWorkerContext(MatchingModule);
    fulfillment = await createWorkerContext(FulfillmentModule);
    [brand, otherBrand, admin, member, minor] = await Promise.all([
      createBrand(t.http, 'contract-brand'),
      createBrand(t.http, 'other-brand'),
      loginAdmin(t.http),
      createMember(t.http, 'contract-member'),
      createMember(t.http, 'contract-minor'),
    ]);
  });
  afterAll(async () => {
    await matching?.close();
    await fulfillment?.close();
    await t?.close();
    await fake?.stop();
  });

  const as = (actor: Actor) => ({
    get: (path: string) => t.http.get(path).set('Authorization', actor.auth),
    post: (path: string, body?: object) => t.http.post(path).set('Authorization', actor.auth).send(body),
    put: (path: string, body?: object) => t.http.put(path).set('Authorization', actor.auth).send(body),
    patch: (path: string, body?: object) => t.http.patch(path).set('Authorization', actor.auth).send(body),
    delete: (path: string) => t.http.delete(path).set('Authorization', actor.auth),
  });
  const error = (statusCode: number, code: string) => ({ statusCode, code, message: expect.any(String) });

  async function fundAndApprove(campaignId: string): Promise<void> {
    const funding = await as(brand).post(`/campaigns/${campaignId}/funding`).expect(201);
    await fetch(`${funding.body.checkoutUrl}/pay`, { method: 'POST' });
    const funded = await waitFor(
      async () => (await as(brand).get(`/campaigns/${campaignId}`)).body.status,
      (status) => status === 'funded',
    );
    expect(funded).toBe('funded');
    await as(admin).post(`/admin/campaigns/${campaignId}/approve`).expect(200);
  }

  it('walks members, scores, campaigns, funding, launch, perks, claims, stats and erasure', async () => {
    // Auth and profile
    expect((await as(member).get('/me').expect(200)).body).toEqual({
      id: member.id,
      email: member.email,
      role: 'member',
      displayName: 'contract-member',
      brandId: null,
    });
    expect((await as(brand).get('/me').expect(200)).body).toMatchObject({ role: 'brand', brandId: brand.brandId });
    expect((await t.http.get('/me').expect(401)).body).toEqual(error(401, 'UNAUTHORIZED'));
    expect((await as(member).post('/campaigns', {}).expect(403)).body).toEqual(error(403, 'FORBIDDEN'));
    await as(member).put('/me/profile', { country: 'US', birthDate: '1990-05-01', optedIn: true }).expect(200);
    await as(minor).put('/me/profile', { country: 'US', birthDate: '2015-01-01', optedIn: true }).expect(200);
    const unknownField = await as(member).put('/me/profile', { country: 'US', birthDate: '1990-05-01', optedIn: true, role: 'admin' }).expect(400);
    expect(unknownField.body).toEqual({ ...error(400, 'VALIDATION_FAILED'), details: [{ field: 'role', errors: expect.any(Array) }] });
    // PostgreSQL cannot store NUL: a string holding one is bad input (400), never a 500.
    const nul = await t.http.post('/auth/register').send({ email: 'nul@test.local', password: 'long-enough-password', displayName: 'a\u0000b' }).expect(400);
    expect(nul.body).toMatchObject({ ...error(400, 'VALIDATION_FAILED'), details: [expect.objectContaining({ field: 'displayName' })] });
    await t.http.post('/brands/register').send({ brandName: 'a\u0000b', email: 'nul-brand@test.local', password: 'long-enough-password' }).expect(400);

    // Scores: 202, bad items rejected one by one
    const scoredAt = new Date(Date.now() - 60_000).toISOString();
    const batch = await t.http
      .post('/scores/batch')
      .set('X-Provider-Key', KLOUT_KEY)
      .send({
        scoredAt,
        scores: [
          { memberId: member.id, score: 80, topics: [{ topic: 'tech', score: 70 }] },
          { memberId: minor.id, score: 90, topics: [] },
          { memberId: '00000000-0000-0000-0000-000000000000', score: 50, topics: [] },
          { memberId: member.id, score: 101, topics: [] },
        ],
      })
      .expect(202);
    expect(batch.body).toEqual({
      accepted: 2,
      rejected: [
        { index: 2, code: expect.any(String), message: expect.any(String) },
        { index: 3, code: expect.any(String), message: expect.any(String) },
      ],
    });
    expect((await as(member).get('/me/scores').expect(200)).body.items).toEqual([
      { provider: 'klout', score: 80, percentile: expect.any(Number), topics: [{ topic: 'tech', score: 70 }], scoredAt },
    ]);

    // Campaigns: create, list, 404 for another brand, audience
    const create = (kind: string, totalUnits: number) =>
      as(brand)
        .post('/campaigns', {
          name: `contract ${kind}`,
          description: 'contract walk',
          perk: { kind, title: `${kind} perk`, unitCostCents: 500 },
          totalUnits,
          perMemberLimit: 1,
          endsAt: new Date(Date.now() + 30 * DAY).toISOString(),
          eligibility: { provider: 'klout', minScore: 40, countries: ['US', 'CA'], minAge: 18 },
        })
        .expect(201);
    const codes = await create('digital_code', 2);
    expect(codes.body).toMatchObject({
      id: UUID,
      status: 'draft',
      reviewStatus: 'pending',
      perk: { kind: 'digital_code', title: 'digital_code perk', unitCostCents: 500 },
      totalUnits: 2,
      perMemberLimit: 1,
      fundingRequiredCents: 1100,
      createdAt: ISO,
      endsAt: ISO,
    });
    const physical = (await create('physical', 1)).body.id as string;
    const campaignId = codes.body.id as string;
    const list = await as(brand).get('/campaigns?limit=1').expect(200);
    expect(list.body).toEqual({ items: [expect.objectContaining({ id: physical })], nextCursor: expect.any(String) });
    const page2 = await as(brand).get(`/campaigns?limit=1&cursor=${encodeURIComponent(list.body.nextCursor)}`).expect(200);
    expect(page2.body).toEqual({ items: [expect.objectContaining({ id: campaignId })], nextCursor: null });
    expect((await as(brand).get('/campaigns?limit=101').expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect((await as(otherBrand).get(`/campaigns/${campaignId}`).expect(404)).body).toEqual(error(404, 'NOT_FOUND'));
    expect((await as(brand).get('/campaigns/not-a-uuid').expect(404)).body).toEqual(error(404, 'NOT_FOUND'));
    expect((await as(brand).get(`/campaigns/${campaignId}/audience`).expect(200)).body).toEqual({
      eligibleMembers: 1,
      byCountry: { US: 1 },
      byTopic: { tech: 1 },
    });

    // Codes (CSV with and without header, JSON) and inventory
    const csv = (body: string) => as(brand).post(`/campaigns/${campaignId}/codes`).set('Content-Type', 'text/csv').send(body);
    expect((await csv('code\nC-1\nC-1\n').expect(201)).body).toEqual({ added: 1, duplicates: 1 });
    expect((await as(brand).post(`/campaigns/${campaignId}/codes`, { codes: ['C-1', 'C-2'] }).expect(201)).body).toEqual({ added: 1, duplicates: 1 });
    expect((await as(brand).get(`/campaigns/${campaignId}/inventory`).expect(200)).body).toEqual({
      totalUnits: 2,
      claimedUnits: 0,
      availableUnits: 2,
      codesLoaded: 2,
      codesAssigned: 0,
    });

    // Launch refusals, funding through the fake's checkout page, approval, launch
    const early = await as(member).post(`/campaigns/${campaignId}/claims`, { acceptDisclosure: true }).set('Idempotency-Key', 'draft').expect(409);
    expect(early.body).toEqual(error(409, 'CAMPAIGN_NOT_ACTIVE'));
    expect((await as(brand).post(`/campaigns/${campaignId}/launch`).expect(409)).body).toEqual(error(409, 'CAMPAIGN_NOT_FUNDED'));
    const funding = await as(brand).post(`/campaigns/${campaignId}/funding`).expect(201);
    expect(funding.body).toEqual({ fundingId: UUID, amountCents: 1100, checkoutUrl: expect.any(String), stripeCheckoutSessionId: expect.any(String) });
    await fetch(`${funding.body.checkoutUrl}/pay`, { method: 'POST' });
    expect(await waitFor(async () => (await as(brand).get(`/campaigns/${campaignId}`)).body.status, (s) => s === 'funded')).toBe('funded');
    expect((await as(brand).patch(`/campaigns/${campaignId}`, { name: 'late' }).expect(409)).body).toEqual(error(409, 'CAMPAIGN_NOT_EDITABLE'));
    expect((await as(brand).post(`/campaigns/${campaignId}/launch`).expect(409)).body).toEqual(error(409, 'CAMPAIGN_NOT_APPROVED'));
    await as(admin).post(`/admin/campaigns/${campaignId}/approve`).expect(200);
    expect((await as(brand).post(`/campaigns/${campaignId}/launch`).expect(200)).body).toEqual({ status: 'active' });
    await fundAndApprove(physical);
    await as(brand).post(`/campaigns/${physical}/launch`).expect(200);

    // Perks and eligibility
    const perks = await waitFor(
      async () => (await as(member).get('/me/perks').expect(200)).body,
      (body) => body.items.length === 2,
    );
    expect(perks).toEqual({
      items: expect.arrayContaining([
        {
          campaignId,
          title: 'digital_code perk',
          kind: 'digital_code',
          brandName: 'contract-brand',
          endsAt: ISO,
          remainingUnits: 2,
          status: 'available',
        },
      ]),
      nextCursor: null,
    });
    const listed = perks.items.find((perk: { campaignId: string }) => perk.campaignId === campaignId);
    expect((await as(member).get(`/me/perks/${campaignId}`).expect(200)).body).toEqual(listed);
    for (const [actor, id] of [[minor, campaignId], [member, UUID_NIL], [member, 'nope']] as const) {
      expect((await as(actor).get(`/me/perks/${id}`).expect(404)).body).toEqual(error(404, 'NOT_FOUND'));
    }
    expect((await as(member).get(`/me/perks/${campaignId}/eligibility`).expect(200)).body).toEqual({ eligible: true, reasons: [] });
    expect((await as(minor).get(`/me/perks/${campaignId}/eligibility`).expect(200)).body).toEqual({
      eligible: false,
      reasons: [{ rule: 'age', required: 18, actual: expect.any(Number) }],
    });

    // Claims: refusals, idempotent replay, fulfillment
    const claim = (actor: Actor, id: string, key: string, body: object = { acceptDisclosure: true }) =>
      as(actor).post(`/campaigns/${id}/claims`, body).set('Idempotency-Key', key);
    expect((await claim(member, campaignId, 'k0', { acceptDisclosure: false }).expect(400)).body).toEqual(error(400, 'DISCLOSURE_REQUIRED'));
    const refused = await claim(minor, campaignId, 'k0').expect(403);
    expect(refused.body).toEqual({ ...error(403, 'NOT_ELIGIBLE'), details: [{ rule: 'age', required: 18, actual: expect.any(Number) }] });
    const first = await claim(member, campaignId, 'k1').expect(201);
    expect(first.body).toEqual({ id: UUID, campaignId, status: 'pending', createdAt: ISO });
    expect((await claim(member, campaignId, 'k1').expect(201)).body).toEqual(first.body);
    expect((await claim(member, campaignId, 'k2').expect(409)).body).toEqual(error(409, 'CLAIM_LIMIT_REACHED'));
    const fulfilled = await waitFor(
      async () => (await as(member).get(`/claims/${first.body.id}`).expect(200)).body,
      (body) => body.status === 'fulfilled',
    );
    expect(fulfilled).toEqual({ id: first.body.id, campaignId, perkTitle: 'digital_code perk', status: 'fulfilled', fulfillment: { code: expect.stringMatching(/^C-/) }, createdAt: ISO, fulfilledAt: ISO });
    expect((await as(minor).get(`/claims/${first.body.id}`).expect(404)).body).toEqual(error(404, 'NOT_FOUND'));
    expect((await as(member).get('/me/claims').expect(200)).body).toEqual({ items: [fulfilled], nextCursor: null });

    const address = { name: 'Contract Member', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
    const nulAddress = await claim(member, physical, 'p0', { acceptDisclosure: true, shippingAddress: { ...address, name: 'a\u0000b' } }).expect(400);
    expect(nulAddress.body).toEqual({ ...error(400, 'VALIDATION_FAILED'), details: [{ field: 'shippingAddress.name', errors: expect.any(Array) }] });
    const shipped = await claim(member, physical, 'p1', { acceptDisclosure: true, shippingAddress: address }).expect(201);
    expect((await as(member).get('/me/perks')).body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ campaignId: physical, remainingUnits: 0, status: 'claimed' })]),
    );
    expect((await as(admin).get('/admin/claims?status=failed').expect(200)).body).toEqual({ items: [], nextCursor: null });
    await as(admin).post(`/admin/claims/${shipped.body.id}/cancel`).expect(200);
    expect((await as(member).get(`/claims/${shipped.body.id}`)).body.status).toBe('cancelled');
    expect((await as(brand).get(`/campaigns/${physical}/inventory`)).body).toMatchObject({ claimedUnits: 0, availableUnits: 1 });

    // Inventory adjustments and their trail
    const below = await as(admin).post(`/admin/campaigns/${campaignId}/inventory-adjustments`, { delta: -2, reason: 'too far' }).expect(409);
    expect(below.body.code).toBe('INVENTORY_BELOW_CLAIMED');
    await as(admin).post(`/admin/campaigns/${campaignId}/inventory-adjustments`, { delta: -1, reason: 'one code broke' }).expect(201);
    const trail = await as(admin).get(`/admin/campaigns/${campaignId}/inventory-adjustments`).expect(200);
    expect(trail.body).toEqual({
      items: [expect.objectContaining({ adminId: admin.id, delta: -1, reason: 'one code broke', createdAt: ISO })],
      nextCursor: null,
    });

    // Pause, resume, end with a refund, stats
    expect((await as(brand).post(`/campaigns/${physical}/pause`).expect(200)).body).toEqual({ status: 'paused' });
    expect((await claim(member, physical, 'p2', { acceptDisclosure: true, shippingAddress: address }).expect(409)).body).toEqual(
      error(409, 'CAMPAIGN_NOT_ACTIVE'),
    );
    expect((await as(brand).post(`/campaigns/${physical}/resume`).expect(200)).body).toEqual({ status: 'active' });
    expect((await as(brand).post(`/campaigns/${physical}/end`).expect(200)).body).toEqual({ status: 'ended' });
    const stats = await waitFor(
      async () => (await as(brand).get(`/campaigns/${physical}/stats`).expect(200)).body,
      (body) => body.refundedCents > 0,
    );
    expect(stats).toEqual({
      totalUnits: 1,
      claimedUnits: 0,
      fulfilledUnits: 0,
      failedUnits: 0,
      remainingUnits: 1,
      eligibleMembers: 1,
      offeredMembers: 1,
      fundedCents: 550,
      refundedCents: 550,
      claimsByCountry: {},
      claimsByDay: {},
    });
    expect((await as(otherBrand).get(`/campaigns/${physical}/stats`).expect(404)).body).toEqual(error(404, 'NOT_FOUND'));

    // Export, then erasure; the erased member's still-unexpired token names no one any more
    const exported = await as(member).get('/me/export').expect(200);
    expect(exported.body).toMatchObject({ profile: expect.any(Object), scores: expect.any(Array), offers: expect.any(Array), claims: expect.any(Array) });
    const erased = await as(member).delete('/me').expect(204);
    expect(erased.text).toBe('');
    expect((await as(member).get('/me').expect(401)).body).toEqual(error(401, 'UNAUTHORIZED'));
    expect((await as(member).put('/me/profile', { country: 'US', birthDate: '1990-05-01', optedIn: true }).expect(401)).body).toEqual(
      error(401, 'UNAUTHORIZED'),
    );
    // Nor can it read what is left of the account.
    for (const path of ['/me/export', '/me/claims', '/me/perks', '/me/scores', '/me/notifications', `/claims/${first.body.id}`]) {
      expect((await as(member).get(path).expect(401)).body).toEqual(error(401, 'UNAUTHORIZED'));
    }
    expect((await as(brand).get(`/campaigns/${campaignId}/stats`)).body).toMatchObject({ claimedUnits: 1, fulfilledUnits: 1 });
  });

  it('serves the operations endpoints', async () => {
    await t.http.get('/health').expect(200);
    const metrics = await t.http.get('/metrics').expect(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    const doc = await t.http.get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/campaigns/{id}/claims', '/me/perks/{campaignId}/eligibility']));
    // Two DTO classes of one name share one schema in the document: each body and response must name its own.
    type Schema = { $ref?: string; properties?: Record<string, Schema>; items?: Schema };
    const schemas = doc.body.components.schemas as Record<string, Schema>;
    const resolve = (schema: Schema): Schema => (schema.$ref ? schemas[schema.$ref.split('/').pop()!] : schema);
    const json = (op: { content: Record<string, { schema: Schema }> }) => resolve(op.content['application/json'].schema);
    const createBody = json(doc.body.paths['/campaigns'].post.requestBody);
    expect(Object.keys(resolve(createBody.properties!.perk).properties!)).toEqual(['kind', 'title', 'unitCostCents']);
    expect(Object.keys(resolve(createBody.properties!.eligibility).properties!)).toEqual(expect.arrayContaining(['provider', 'minScore', 'minPercentile']));
    const perkPage = json(doc.body.paths['/me/perks'].get.responses['200']);
    expect(Object.keys(resolve(perkPage.properties!.items.items!).properties!)).toEqual(
      expect.arrayContaining(['campaignId', 'title', 'kind', 'brandName', 'endsAt', 'remainingUnits', 'status']),
    );
    const eligibility = json(doc.body.paths['/me/perks/{campaignId}/eligibility'].get.responses['200']);
    expect(Object.keys(eligibility.properties!)).toEqual(['eligible', 'reasons']);
    // A reason's values are whatever its rule compares: numbers, lists, booleans, a provider, null.
    const reason = schemas.EligibilityReasonDto as { properties: Record<string, { type?: string; oneOf?: unknown[]; nullable?: boolean }> };
    expect(reason.properties.required).toMatchObject({ oneOf: expect.arrayContaining([{ type: 'number' }, { type: 'array', items: {} }]) });
    expect(reason.properties.required.type).toBeUndefined();
    expect(reason.properties.actual.oneOf).toContainEqual({ type: 'object', nullable: true, enum: [null] });
    // Every status a route answers is listed: its own conflicts and gateway errors, 401 of a refresh, Retry-After on 429.
    const paths = doc.body.paths;
    expect(paths['/admin/claims/{id}/ship'].post.responses['409'].description).toContain('SHIPMENT_NOT_SHIPPABLE');
    expect(Object.keys(paths['/shipping/webhook'].post.responses)).toEqual(expect.arrayContaining(['200', '404', '409']));
    expect(paths['/auth/refresh'].post.responses['401']).toBeDefined();
    expect(paths['/auth/password'].post.responses['401'].description).toContain('INVALID_CREDENTIALS');
    expect(paths['/campaigns/{id}/funding'].post.responses['502'].description).toContain('PAYMENT_PROVIDER_ERROR');
    expect(Object.keys(paths['/campaigns/{id}/pause'].post.responses)).toEqual(expect.arrayContaining(['413', '415']));
    expect(paths['/campaigns'].post.responses['429'].headers['Retry-After']).toBeDefined();
    expect(paths['/payments/stripe/webhook'].post.parameters.filter((p: { in: string }) => p.in === 'header')).toHaveLength(1);
    expect(paths['/scores/batch'].post.security).toEqual([{ 'provider-key': [] }]);
    expect(paths['/scores/batch'].post.responses['403']).toBeUndefined();
    expect(json(paths['/campaigns/{id}/launch'].post.responses['200']).properties!.status).toMatchObject({ enum: ['active', 'scheduled'] });
    // Counts, cents and units are integers to a generated client; scores may have decimals.
    expect(resolve(createBody.properties!.totalUnits)).toMatchObject({ type: 'integer' });
    expect(resolve(resolve(createBody.properties!.eligibility).properties!.minScore)).toMatchObject({ type: 'number' });
    // Every error answer is documented with the one error body: the contract's codes per route, the shared ones everywhere.
    const claimResponses = doc.body.paths['/campaigns/{id}/claims'].post.responses;
    expect(Object.keys(claimResponses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '404', '409', '422', '429']));
    expect(claimResponses['409'].description).toContain('SOLD_OUT');
    expect(Object.keys(json(claimResponses['409']).properties!)).toEqual(['statusCode', 'code', 'message', 'details']);
    expect(Object.keys(doc.body.paths['/auth/login'].post.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '429']));
    expect(doc.body.paths['/campaigns/{id}/launch'].post.responses['409'].description).toContain('CAMPAIGN_NOT_FUNDED');
    // The role check's 403 beside a route's own, 503 on every route, body limits where a body goes, 409s of review and codes
    expect(claimResponses['403'].description).toEqual(expect.stringMatching(/NOT_ELIGIBLE.*FORBIDDEN/));
    expect(Object.keys(claimResponses)).toEqual(expect.arrayContaining(['413', '415', '503']));
    expect(Object.keys(json(claimResponses['503']).properties!)).toEqual(['statusCode', 'code', 'message', 'details']);
    expect(Object.keys(doc.body.paths['/campaigns/{id}/launch'].post.responses)).toEqual(expect.arrayContaining(['400', '503']));
    expect(doc.body.paths['/admin/campaigns/{id}/approve'].post.responses['409'].description).toContain('INVALID_TRANSITION');
    const codes = doc.body.paths['/campaigns/{id}/codes'].post;
    expect(Object.keys(codes.responses)).toEqual(expect.arrayContaining(['409', '413', '415']));
    expect(codes.requestBody.content['text/csv'].schema.oneOf).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'string' })]));
    expect(doc.body.paths['/metrics'].get.responses['200'].content['text/plain']).toBeDefined();
    expect(doc.body.paths['/payments/stripe/webhook'].post.requestBody).toBeDefined();
    await t.http.get('/admin/queues').expect(401);
    await as(brand).get('/admin/queues').expect(403);
  });

  it('answered every request of this walk as its OpenAPI document says: a listed status, a body of its schema', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body;
    expect(responses.length).toBeGreaterThan(80);
    expect(undocumentedResponses(doc, responses)).toEqual([]);
  });
});
