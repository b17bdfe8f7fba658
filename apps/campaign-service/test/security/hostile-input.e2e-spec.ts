import fc from 'fast-check';
import { FakeStripe, TestApp } from '@app/testing';
import { createCampaignServiceApp } from '../app';
import { OpenApiDocument, OpenApiOperation, operationsOf, resolveSchema } from './route-table';
import { buildWorld, World } from './world';

/**
 * OWASP API4 (unrestricted resource consumption) and API8 (security misconfiguration):
 * malformed input of every kind, on every operation of the OpenAPI document, never yields a
 * 5xx, and a refused request leaves the database exactly as it was.
 */
const SEED = 20261126;
const RUNS_PER_OPERATION = 20;

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\uffff',
  '\ud800',
  '💥'.repeat(2000),
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  '<script>alert(1)</script>',
  '../../../etc/passwd',
  '%00',
  '${jndi:ldap://x}',
  '{{7*7}}',
  'x'.repeat(100_000),
  '-1',
  '1e309',
  'NaN',
  'Infinity',
  'null',
  'true',
  '[]',
  '{}',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '2026-02-30T25:61:61Z',
  '9999-12-31T23:59:59Z',
  '0000-00-00',
];
const NASTY_NUMBERS = [-1, 0, -0, 0.5, -2147483649, 2147483648, 2 ** 53 + 2, 1e308, -1e308, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];

const hostileString = fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
const hostileNumber = fc.oneof(fc.constantFrom(...NASTY_NUMBERS), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
const hostileKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', '$where', 'role', 'id', 'brandId', 'status', 'claimedUnits'), fc.string({ maxLength: 12 }));
const { hostileValue } = fc.letrec((tie) => ({
  hostileValue: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('hostileValue'), { maxLength: 4 }),
    fc.dictionary(hostileKey, tie('hostileValue'), { maxKeys: 4 }),
  ),
}));

/** A plausible value for a schema, so that a mutant gets past the fields it does not break. */
function plausible(doc: OpenApiDocument, raw: Record<string, unknown> | undefined, depth = 0): unknown {
  const schema = resolveSchema(doc, raw) ?? {};
  if (depth > 4) return null;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.example !== undefined) return schema.example;
  switch (schema.type) {
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'array':
      return [plausible(doc, schema.items as Record<string, unknown>, depth + 1)];
    case 'object':
      return Object.fromEntries(Object.entries((schema.properties as Record<string, Record<string, unknown>>) ?? {}).map(([k, v]) => [k, plausible(doc, v, depth + 1)]));
    default:
      if (schema.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      if (schema.format === 'date-time') return '2026-12-01T00:00:00Z';
      return schema.properties ? plausible(doc, { ...schema, type: 'object' }, depth) : 'x';
  }
}

/** Percent-encodes any string, lone surrogates included (as their UTF-8 replacement bytes). */
/** API.md: `{statusCode, code, message, details?}`, and a validation failure names its fields in `details`. */
function inErrorShape(status: number, body: { statusCode?: unknown; code?: unknown; message?: unknown; details?: unknown }): boolean {
  const shaped = body.statusCode === status && typeof body.code === 'string' && typeof body.message === 'string';
  return shaped && (body.code !== 'VALIDATION_FAILED' || (Array.isArray(body.details) && body.details.length > 0));
}

function encode(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');
}

/** Sent as is: broken percent-encoding and traversal tricks in the URL itself. */
const RAW_SEGMENTS = ['%', '%E0%A4%A', '%C0%AE%C0%AE', '..%2F..%2Fadmin', '%00', '%FF%FE'];

function deepNest(depth: number, leaf: string): string {
  return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

type Body = { kind: 'json'; value: unknown } | { kind: 'raw'; text: string; contentType?: string } | { kind: 'none' };

function bodyArbitrary(doc: OpenApiDocument, op: OpenApiOperation): fc.Arbitrary<Body> {
  const props = Object.keys((op.bodySchema?.properties as Record<string, unknown>) ?? {});
  const base = op.bodySchema ? (plausible(doc, op.bodySchema) as Record<string, unknown>) : {};
  const mutant = fc
    .tuple(
      fc.subarray(props),
      fc.array(hostileValue, { minLength: props.length, maxLength: props.length }),
      fc.dictionary(hostileKey, hostileValue, { maxKeys: 2 }),
    )
    .map(([broken, values, extra]): Body => {
      const value: Record<string, unknown> = { ...base };
      broken.forEach((prop, i) => (value[prop] = values[i]));
      return { kind: 'json', value: { ...value, ...extra } };
    });
  const nested = fc.constantFrom(...(props.length ? props : ['a'])).map((prop): Body => ({ kind: 'raw', text: `{"${prop}":${deepNest(5000, '1')}}`, contentType: 'application/json' }));
  const raw = fc.record({
    text: fc.oneof(
      fc.constantFrom('{"a":', '{', '[', 'nul', '"unterminated', '{"__proto__":{"polluted":1}}', '\u0000', '1e99999', '[' .repeat(10_000), 'a,b\n"c', '<x/>'),
      hostileString,
    ),
    contentType: fc.constantFrom(
      'application/json',
      'application/json; charset=utf-16',
      'text/plain',
      'text/csv',
      'application/xml',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      '*/*',
      '',
    ),
  });
  return fc.oneof(
    { weight: 4, arbitrary: mutant },
    { weight: 2, arbitrary: hostileValue.map((value): Body => ({ kind: 'json', value })) },
    { weight: 1, arbitrary: nested },
    { weight: 2, arbitrary: raw.map(({ text, contentType }): Body => ({ kind: 'raw', text, contentType: contentType || undefined })) },
    { weight: 1, arbitrary: fc.constant<Body>({ kind: 'none' }) },
  );
}

/** Header values must stay printable ASCII or the HTTP client itself refuses them. */
const headerValue = fc.oneof(
  fc.constantFrom('', 'x'.repeat(8000), '../..', "' OR 1=1", 'Bearer', 'null'),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 }),
);

describe('hostile input on every OpenAPI operation (e2e)', () => {
  let t: TestApp;
  let world: World;
  let doc: OpenApiDocument;
  let fingerprintSql: string;
  let fake: FakeStripe;

  beforeAll(async () => {
    // Stripe answers (the fake): an upstream outage is not what this spec is about.
    fake = new FakeStripe({ secretKey: 'sk_test_fuzz', webhookSecret: 'whsec_fuzz' });
    const base = await fake.start();
    t = await createCampaignServiceApp({ env: { STRIPE_API_BASE: base, STRIPE_SECRET_KEY: 'sk_test_fuzz', STRIPE_WEBHOOK_SECRET: 'whsec_fuzz' } });
    world = await buildWorld(t);
    doc = (await t.http.get('/docs-json').expect(200)).body as OpenApiDocument;
    const tables: { table_name: string }[] = await t.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'migrations' ORDER BY 1`,
    );
    fingerprintSql = `SELECT ${tables
      .map(({ table_name }) => `(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM "${table_name}" x) AS "${table_name}"`)
      .join(', ')}`;
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  const fingerprint = async (): Promise<Record<string, string>> => (await t.dataSource.query(fingerprintSql))[0];

  // 20 requests on every operation, each followed by a fingerprint of every table: ~40 s on a busy
  // machine, and past Jest's default 60 s once (a full run with both workers, the machine busy).
  it('never answers 5xx, and a refused request changes no row', async () => {
    // Erasure would take the world's member away from the rest of this spec (members.e2e-spec and account-races cover DELETE /me).
    const operations = operationsOf(doc).filter((op) => !(op.method === 'DELETE' && op.path === '/me'));
    expect(operations.length).toBeGreaterThan(10);
    const ids = [world.draftCampaignId, world.activeCampaignId, world.claimId, world.actors.member.id];
    const auths = [undefined, 'Bearer not.a.jwt', ...Object.values(world.actors).map((a) => a.auth)];
    const failures: string[] = [];
    let baseline = await fingerprint();

    for (const [index, op] of operations.entries()) {
      const pathParams = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
      const queryParams = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
      const headerParams = op.parameters.filter((p) => p.in === 'header').map((p) => p.name);
      const input = fc.record({
        path: fc.array(fc.oneof(fc.constantFrom(...ids), fc.uuid(), hostileString.map(encode), fc.constantFrom(...RAW_SEGMENTS)), {
          minLength: pathParams.length,
          maxLength: pathParams.length,
        }),
        query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...queryParams, 'limit', 'cursor'), fc.string({ maxLength: 8 })), fc.oneof(hostileString, hostileNumber.map(String))), { maxLength: 4 }),
        headers: fc.array(fc.tuple(fc.constantFrom(...headerParams, 'Idempotency-Key', 'X-Provider-Key', 'Stripe-Signature'), headerValue), { maxLength: 2 }),
        auth: fc.constantFrom(...auths),
        body: bodyArbitrary(doc, op),
      });
      await fc.assert(
        fc.asyncProperty(input, async ({ path, query, headers, auth, body }) => {
          let url = op.path;
          pathParams.forEach((name, i) => (url = url.replace(`:${name}`, path[i] || '%20')));
          if (query.length) url += `?${query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}`;
          let req = t.http[op.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](url);
          if (auth) req = req.set('Authorization', auth);
          for (const [name, value] of headers) req = req.set(name, value);
          if (body.kind === 'json') req = req.set('Content-Type', 'application/json').send(JSON.stringify(body.value) ?? 'null');
          if (body.kind === 'raw') req = (body.contentType ? req.set('Content-Type', body.contentType) : req).send(body.text);
          const res = await req;
          const sent = body.kind === 'json' ? JSON.stringify(body.value) : body.kind === 'raw' ? `(${body.contentType}) ${body.text}` : '';
          const label = `${op.method} ${url.slice(0, 120)} ${String(sent).slice(0, 160)} → ${res.status} ${res.text.slice(0, 120)}`;
          if (res.status >= 500) failures.push(label);
          if (res.status >= 400 && !inErrorShape(res.status, res.body)) failures.push(`${label} — not in API.md's error shape`);
          // Nothing else writes meanwhile, so the state after the previous request is the baseline.
          const after = await fingerprint();
          const changed = Object.keys(after).filter((table) => after[table] !== baseline[table]);
          if (res.status >= 400 && changed.length) failures.push(`${label} — refused but changed ${changed.join(', ')}`);
          baseline = after;
        }),
        { seed: SEED + index, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
      );
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it('never applies privileged fields smuggled into a write body (API3 mass assignment)', async () => {
    const PRIVILEGED: Record<string, unknown> = {
      role: 'admin',
      brandId: world.actors.otherBrand.brandId,
      memberId: world.actors.otherMember.id,
      userId: world.actors.otherMember.id,
      id: '00000000-0000-4000-8000-000000000000',
      status: 'active',
      reviewStatus: 'approved',
      claimedUnits: 0,
      fundingRequiredCents: 0,
      passwordHash: 'x',
      erasedAt: null,
      isAdmin: true,
    };
    const writes = operationsOf(doc).filter((op) => ['POST', 'PUT', 'PATCH'].includes(op.method) && op.bodySchema?.properties);
    expect(writes.length).toBeGreaterThan(5);
    const applied: string[] = [];
    let baseline = await fingerprint();
    for (const op of writes) {
      const own = Object.keys(op.bodySchema!.properties as object);
      const body = plausible(doc, op.bodySchema) as Record<string, unknown>;
      const url = op.path.replace(/:\w+/g, world.draftCampaignId);
      for (const [field, value] of Object.entries(PRIVILEGED).filter(([field]) => !own.includes(field))) {
        for (const actor of [world.actors.brand, world.actors.admin, world.actors.member]) {
          const res = await t.http[op.method.toLowerCase() as 'post' | 'put' | 'patch'](url)
            .set('Authorization', actor.auth)
            .set('Idempotency-Key', `mass-${field}-${actor.id}`)
            .send({ ...body, [field]: value });
          // Refused by the guards: no handler ran, nothing to compare.
          if (res.status === 401 || res.status === 403) continue;
          const after = await fingerprint();
          const changed = Object.keys(after).filter((table) => after[table] !== baseline[table]);
          baseline = after;
          if (res.status < 400 || changed.length) applied.push(`${op.method} ${op.path} +${field} as ${actor.email} → ${res.status} changed [${changed.join(', ')}]`);
        }
      }
    }
    expect(applied).toEqual([]);
  }, 180_000);

  it('caps the page size of every list at 100 (API.md): limit=101 and limit=0 are refused with 400', async () => {
    const lists = operationsOf(doc).filter((op) => op.method === 'GET' && op.parameters.some((p) => p.in === 'query' && p.name === 'limit'));
    expect(lists.length).toBeGreaterThan(3);
    const uncapped: string[] = [];
    for (const op of lists) {
      const url = op.path.replace(/:\w+/g, world.activeCampaignId);
      let auth: string | undefined;
      for (const actor of [world.actors.admin, world.actors.brand, world.actors.member]) {
        if ((await t.http.get(`${url}?limit=100`).set('Authorization', actor.auth)).status === 200) {
          auth = actor.auth;
          break;
        }
      }
      if (!auth) {
        uncapped.push(`${op.method} ${op.path}: no actor could list it with limit=100`);
        continue;
      }
      for (const limit of ['101', '0', '-1', '1e3', '100000000000']) {
        const res = await t.http.get(`${url}?limit=${limit}`).set('Authorization', auth);
        if (res.status !== 400) uncapped.push(`${op.method} ${op.path}?limit=${limit} → ${res.status}`);
      }
    }
    expect(uncapped).toEqual([]);
  });
});
