import { createHmac, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createMember, FakeStripe, TEST_PASSWORD, TestApp } from '@app/testing';
import { createCampaignServiceApp } from '../app';
import { campaignBody, createLaunchable } from '../campaign-fixtures';
import { OpenApiDocument, operationsOf, routeKey, routesOf } from './route-table';
import { ActorName, ACTORS, authOf, buildWorld, claim, createActive, createDraft, World } from './world';

/**
 * OWASP API1 (broken object level authorization), API2 (broken authentication), API3 (broken
 * object property level authorization) and API5 (broken function level authorization): every
 * route the application registers is called as each actor and must answer exactly the status
 * the matrix says. A route without an entry fails the test, so new routes must be classified.
 */

interface Call {
  params?: Record<string, string>;
  query?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** overrides the actor's own Authorization (e.g. a fresh account that the call may delete) */
  auth?: string | null;
}

interface Ctx {
  t: TestApp;
  world: World;
}

type Statuses = Record<ActorName, number>;

interface Entry {
  expect: Statuses;
  /** defaults: `:id` is the brand's draft campaign (claims routes: the member's claim), no body */
  call?: (ctx: Ctx, actor: ActorName) => Call | Promise<Call>;
}

const all = (status: number): Statuses => ({ anonymous: status, member: status, otherMember: status, brand: status, otherBrand: status, admin: status });
/** Only members; each sees only their own objects (others get 404). */
const memberOwn = (ok: number, stranger = 404): Statuses => ({ anonymous: 401, member: ok, otherMember: stranger, brand: 403, otherBrand: 403, admin: 403 });
/** Brand-owned objects: the owner and admins; another brand gets 404; members 403. */
const brandOwn = (owner: number, admin = owner): Statuses => ({ anonymous: 401, member: 403, otherMember: 403, brand: owner, otherBrand: 404, admin });
const adminOnly = (ok: number): Statuses => ({ anonymous: 401, member: 403, otherMember: 403, brand: 403, otherBrand: 403, admin: ok });
const anyUser = (ok: number): Statuses => ({ ...all(ok), anonymous: 401 });

const passwordOf = (actor: ActorName) => (actor === 'admin' ? (process.env.ADMIN_PASSWORD as string) : TEST_PASSWORD);
const unique = () => randomUUID().slice(0, 8);
const idem = () => ({ 'Idempotency-Key': `matrix-${randomUUID()}` });

/** A fresh campaign of the world's brand per call, for routes that change its state. */
const freshLaunchable = async ({ t, world }: Ctx): Promise<Call> => ({
  params: { id: await createLaunchable(t, world.actors.brand, world.actors.admin, { perk: { kind: 'experience', title: 'T', unitCostCents: 100 }, totalUnits: 5 }) },
});
const freshActive = async ({ t, world }: Ctx): Promise<Call> => ({
  params: { id: await createActive(t, world.actors.brand, world.actors.admin, [world.actors.member, world.actors.otherMember]) },
});
const freshDraft = async ({ t, world }: Ctx): Promise<Call> => ({ params: { id: await createDraft(t, world.actors.brand) } });
const freshClaim = async ({ t, world }: Ctx): Promise<Call> => {
  const campaignId = await createActive(t, world.actors.brand, world.actors.admin, [world.actors.member]);
  return { params: { id: await claim(t, world.actors.member, campaignId) } };
};

/** Served outside the API contract: the Prometheus scrape and the OpenAPI documents themselves. */
const UNDOCUMENTED_BY_DESIGN = ['GET /metrics', 'GET /docs', 'GET /docs-json', 'GET /docs-yaml'];

const MATRIX: Record<string, Entry> = {
  // Operations and documentation: public by design.
  'GET /health': { expect: all(200) },
  'GET /health/live': { expect: all(200) },
  'GET /metrics': { expect: all(200) },
  'GET /docs': { expect: all(200) },
  'GET /docs-json': { expect: all(200) },
  'GET /docs-yaml': { expect: all(200) },

  // Sessions: public entry points; the body, not the caller, decides.
  'POST /auth/register': { expect: all(201), call: () => ({ body: { email: `m-${unique()}@test.local`, password: TEST_PASSWORD, displayName: 'M' } }) },
  'POST /brands/register': { expect: all(201), call: () => ({ body: { brandName: 'B', email: `b-${unique()}@test.local`, password: TEST_PASSWORD } }) },
  'POST /auth/login': { expect: all(200), call: ({ world }) => ({ body: { email: world.actors.member.email, password: TEST_PASSWORD } }) },
  'POST /auth/refresh': {
    expect: all(200),
    call: async ({ t, world }) => {
      const login = await t.http.post('/auth/login').send({ email: world.actors.otherMember.email, password: TEST_PASSWORD });
      return { body: { refreshToken: login.body.refreshToken } };
    },
  },
  'POST /auth/logout': { expect: all(204), call: () => ({ body: { refreshToken: 'unknown-token' } }) },
  'POST /auth/password': { expect: anyUser(204), call: (_ctx, actor) => ({ body: { currentPassword: passwordOf(actor), newPassword: passwordOf(actor) } }) },
  'GET /me': { expect: anyUser(200) },

  // Webhooks and the score feed authenticate by signature or provider key, not by user.
  'POST /payments/stripe/webhook': { expect: all(400), call: () => ({ body: { id: 'evt_forged', type: 'checkout.session.completed' } }) },
  // No SHIPPING_WEBHOOK_SECRET is set here (the manual provider): a body signed with the empty key is refused too.
  'POST /shipping/webhook': {
    expect: all(400),
    call: () => {
      const body = { shipmentId: randomUUID(), status: 'shipped', trackingNumber: 'X' };
      return { body, headers: { 'X-Shipping-Signature': `sha256=${createHmac('sha256', '').update(JSON.stringify(body)).digest('hex')}` } };
    },
  },
  'POST /scores/batch': { expect: all(401), call: () => ({ body: { scoredAt: new Date().toISOString(), scores: [] } }) },

  // Campaigns: brands own them; admins see all.
  'POST /campaigns': { expect: { ...brandOwn(201, 403), otherBrand: 201 }, call: () => ({ body: campaignBody() }) },
  'GET /campaigns': { expect: { ...brandOwn(200), otherBrand: 200 } },
  'GET /campaigns/:id': { expect: brandOwn(200) },
  'PATCH /campaigns/:id': { expect: brandOwn(200), call: () => ({ body: { name: `renamed ${unique()}` } }) },
  'POST /campaigns/:id/launch': { expect: brandOwn(200), call: freshLaunchable },
  'POST /campaigns/:id/pause': { expect: brandOwn(200), call: freshActive },
  'POST /campaigns/:id/resume': {
    expect: brandOwn(200),
    call: async (ctx) => {
      const call = await freshActive(ctx);
      await ctx.t.http.post(`/campaigns/${call.params!.id}/pause`).set('Authorization', ctx.world.actors.brand.auth).expect(200);
      return call;
    },
  },
  'POST /campaigns/:id/end': { expect: brandOwn(200), call: freshActive },
  'GET /campaigns/:id/stats': { expect: brandOwn(200) },
  'GET /campaigns/:id/audience': { expect: brandOwn(200) },
  'GET /campaigns/:id/inventory': { expect: brandOwn(200) },
  'POST /campaigns/:id/codes': {
    expect: brandOwn(201),
    call: async ({ t, world }) => {
      const created = await t.http
        .post('/campaigns')
        .set('Authorization', world.actors.brand.auth)
        .send(campaignBody({ perk: { kind: 'digital_code', title: 'Code', unitCostCents: 100 }, totalUnits: 5 }))
        .expect(201);
      return { params: { id: created.body.id }, body: { codes: [`C-${unique()}`] } };
    },
  },
  'POST /campaigns/:id/funding': { expect: brandOwn(201), call: freshDraft },

  // Moderation, inventory adjustments, money and the dead-letter view: admins only.
  'POST /admin/campaigns/:id/approve': { expect: adminOnly(200), call: freshDraft },
  'POST /admin/campaigns/:id/reject': { expect: adminOnly(200), call: async (ctx) => ({ ...(await freshDraft(ctx)), body: { reason: 'not on brand' } }) },
  'POST /admin/campaigns/:id/inventory-adjustments': { expect: adminOnly(201), call: () => ({ body: { delta: 1, reason: 'matrix' } }) },
  'GET /admin/campaigns/:id/inventory-adjustments': { expect: adminOnly(200) },
  'GET /admin/campaigns/:id/ledger': { expect: adminOnly(200) },
  'GET /admin/audit-log': { expect: adminOnly(200) },
  'POST /admin/queue-dashboard/session': { expect: adminOnly(200) },
  'GET /admin/claim-holds': { expect: adminOnly(200) },
  'POST /admin/claim-holds/:claimId/release': {
    expect: adminOnly(200),
    call: async (ctx) => {
      const { params } = await freshClaim(ctx);
      await ctx.t.dataSource.query(`INSERT INTO claim_holds (claim_id, reason) VALUES ($1, 'shared_shipping_address')`, [params!.id]);
      return { params: { claimId: params!.id } };
    },
  },
  'GET /admin/claims': { expect: adminOnly(200), call: () => ({ query: 'status=failed' }) },
  'POST /admin/claims/:id/retry': { expect: adminOnly(409), call: freshClaim },
  'POST /admin/claims/:id/cancel': { expect: adminOnly(200), call: freshClaim },
  'GET /admin/claims/:id/shipment': { expect: adminOnly(404) },
  'POST /admin/claims/:id/ship': { expect: adminOnly(409), call: async (ctx) => ({ ...(await freshClaim(ctx)), body: { trackingNumber: 'TRACK-1' } }) },

  // Members: their own profile, perks, claims and notifications.
  'GET /me/profile': { expect: memberOwn(200, 200) },
  'PUT /me/profile': { expect: memberOwn(200, 200), call: () => ({ body: { country: 'US', birthDate: '1990-01-01', optedIn: true } }) },
  'GET /me/scores': { expect: memberOwn(200, 200) },
  'GET /me/perks': { expect: memberOwn(200, 200) },
  'GET /me/perks/:campaignId': { expect: memberOwn(200, 200), call: ({ world }) => ({ params: { campaignId: world.activeCampaignId } }) },
  'GET /me/perks/:campaignId/eligibility': { expect: memberOwn(200, 200), call: ({ world }) => ({ params: { campaignId: world.activeCampaignId } }) },
  'GET /me/export': { expect: memberOwn(200, 200) },
  'DELETE /me': {
    expect: memberOwn(204, 204),
    call: async ({ t }, actor) => (actor === 'member' || actor === 'otherMember' ? { auth: (await createMember(t.http, 'erased')).auth } : {}),
  },
  // Admins get notifications too (payment disputes); brands none.
  'GET /me/notifications': { expect: { ...memberOwn(200, 200), admin: 200 } },
  'POST /me/notifications/read-all': { expect: { ...memberOwn(200, 200), admin: 200 } },
  'POST /me/notifications/:id/read': {
    expect: { ...memberOwn(200), admin: 404 },
    call: async ({ t, world }) => {
      const [row] = await t.dataSource.query(`INSERT INTO notifications (member_id, kind, title) VALUES ($1, 'offer', 'New perk') RETURNING id`, [world.actors.member.id]);
      return { params: { id: row.id } };
    },
  },
  // Readable by any account: a brand has no claims of its own, and admins see every claim.
  'GET /me/claims': { expect: memberOwn(200, 200) },
  'GET /claims/:id': { expect: { ...memberOwn(200), admin: 200 } },
  'POST /campaigns/:id/claims': {
    expect: { ...memberOwn(201, 201) },
    call: async (ctx) => ({ ...(await freshActive(ctx)), body: { acceptDisclosure: true }, headers: idem() }),
  },
};

describe('authorization matrix over every route (e2e)', () => {
  let ctx: Ctx;
  let fake: FakeStripe;

  beforeAll(async () => {
    fake = new FakeStripe({ secretKey: 'sk_test_matrix', webhookSecret: 'whsec_matrix' });
    const base = await fake.start();
    const t = await createCampaignServiceApp({ env: { STRIPE_API_BASE: base, STRIPE_SECRET_KEY: 'sk_test_matrix', STRIPE_WEBHOOK_SECRET: 'whsec_matrix' } });
    ctx = { t, world: await buildWorld(t) };
  });
  afterAll(async () => {
    await ctx.t.close();
    await fake.stop();
  });

  it('classifies every registered route, and no entry names a route that is gone', () => {
    const registered = routesOf(ctx.t.app).map(routeKey);
    expect(registered.length).toBeGreaterThan(20);
    expect(registered.filter((route) => !MATRIX[route])).toEqual([]);
    expect(Object.keys(MATRIX).filter((route) => !registered.includes(route))).toEqual([]);
  });

  it('documents every route in the OpenAPI document (API9: no shadow endpoints)', async () => {
    const doc = (await ctx.t.http.get('/docs-json').expect(200)).body as OpenApiDocument;
    const documented = new Set(operationsOf(doc).map(routeKey));
    const undocumented = routesOf(ctx.t.app)
      .map(routeKey)
      .filter((route) => !documented.has(route) && !UNDOCUMENTED_BY_DESIGN.includes(route));
    expect(undocumented).toEqual([]);
  });

  it('guards the queue dashboard, which is mounted beside the Nest router', async () => {
    const { t, world } = ctx;
    const statuses = await Promise.all(
      ACTORS.map(async (actor) => {
        const auth = authOf(world, actor);
        const req = t.http.get('/admin/queues');
        return (auth ? await req.set('Authorization', auth) : await req).status;
      }),
    );
    expect(Object.fromEntries(ACTORS.map((actor, i) => [actor, statuses[i]]))).toEqual(adminOnly(200));
  });

  // Every route as every actor, one request after another (with accounts registered for some): 35 s on
  // a busy machine, too near Jest's default 60 s for a full CI run with both workers.
  it('answers each actor exactly as the matrix says, and never leaks secrets or identities to brands', async () => {
    const { t, world } = ctx;
    const observed: Record<string, Statuses> = {};
    const mismatches: string[] = [];
    const memberIdentity = [world.actors.member.id, world.actors.member.email, world.actors.otherMember.email];

    for (const route of routesOf(t.app)) {
      const entry = MATRIX[routeKey(route)];
      if (!entry) continue;
      const statuses = {} as Statuses;
      for (const actor of ACTORS) {
        const call = (await entry.call?.(ctx, actor)) ?? {};
        const defaultId = route.path.includes('claims/:id') ? world.claimId : world.draftCampaignId;
        let url = route.path.replace(/:(\w+)/g, (_m, name: string) => call.params?.[name] ?? defaultId);
        if (call.query) url += `?${call.query}`;
        let req = t.http[route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](url);
        const auth = call.auth === undefined ? authOf(world, actor) : call.auth;
        if (auth) req = req.set('Authorization', auth);
        for (const [name, value] of Object.entries(call.headers ?? {})) req = req.set(name, value);
        const res = call.body === undefined ? await req : await req.send(call.body as object);
        statuses[actor] = res.status;
        if (res.status !== entry.expect[actor]) mismatches.push(`${routeKey(route)} as ${actor}: expected ${entry.expect[actor]}, got ${res.status} ${res.text.slice(0, 160)}`);
        if (/passwordHash|password_hash|tokenHash|token_hash|\$argon2/.test(res.text)) mismatches.push(`${routeKey(route)} as ${actor}: response carries a secret hash`);
        if ((actor === 'brand' || actor === 'otherBrand') && res.status < 300 && memberIdentity.some((value) => res.text.includes(value))) {
          mismatches.push(`${routeKey(route)} as ${actor}: response reveals a member's identity`);
        }
      }
      observed[routeKey(route)] = statuses;
    }
    if (process.env.AUTHZ_MATRIX_PRINT) writeFileSync(process.env.AUTHZ_MATRIX_PRINT, JSON.stringify(observed, null, 1));
    expect(mismatches).toEqual([]);
  }, 180_000);
});
