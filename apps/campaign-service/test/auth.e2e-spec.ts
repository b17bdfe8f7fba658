import { Logger } from 'nestjs-pino';
import { createBrand, createMember, loginAdmin, TestApp, TEST_PASSWORD } from '@app/testing';
import { createCampaignServiceApp } from './app';

describe('auth (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createCampaignServiceApp();
  });
  afterAll(() => t.close());

  it('registers a member, logs in and reads /me', async () => {
    const res = await t.http
      .post('/auth/register')
      .send({ email: 'Ada@Example.com', password: TEST_PASSWORD, displayName: 'Ada' })
      .expect(201);
    expect(res.body).toEqual({ id: expect.any(String), email: 'ada@example.com', role: 'member' });

    const login = await t.http.post('/auth/login').send({ email: 'ada@example.com', password: TEST_PASSWORD }).expect(200);
    expect(login.body).toEqual({ accessToken: expect.any(String), expiresIn: expect.any(Number), refreshToken: expect.any(String) });

    const me = await t.http.get('/me').set('Authorization', `Bearer ${login.body.accessToken}`).expect(200);
    expect(me.body).toEqual({ id: res.body.id, email: 'ada@example.com', role: 'member', displayName: 'Ada', brandId: null });
  });

  it('stores passwords as argon2id hashes', async () => {
    const member = await createMember(t.http);
    const [row] = await t.dataSource.query(`SELECT password_hash FROM users WHERE id = $1`, [member.id]);
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('refuses a duplicate email with 409 EMAIL_TAKEN', async () => {
    const member = await createMember(t.http);
    const res = await t.http
      .post('/auth/register')
      .send({ email: member.email.toUpperCase(), password: TEST_PASSWORD, displayName: 'x' })
      .expect(409);
    expect(res.body).toMatchObject({ statusCode: 409, code: 'EMAIL_TAKEN' });
  });

  it('rejects unknown fields and short passwords with 400 VALIDATION_FAILED naming the field', async () => {
    const extra = await t.http
      .post('/auth/register')
      .send({ email: 'x@test.local', password: TEST_PASSWORD, displayName: 'x', role: 'admin' })
      .expect(400);
    expect(extra.body.code).toBe('VALIDATION_FAILED');
    expect(extra.body.details).toEqual([expect.objectContaining({ field: 'role' })]);

    const short = await t.http.post('/auth/register').send({ email: 'y@test.local', password: 'short', displayName: 'y' }).expect(400);
    expect(short.body.details).toEqual([expect.objectContaining({ field: 'password' })]);
    // Measured as stored: five é typed with combining accents are ten code units but five characters.
    const accents = 'é'.normalize('NFD').repeat(5);
    expect(accents).toHaveLength(10);
    const combined = await t.http.post('/auth/register').send({ email: 'y@test.local', password: accents, displayName: 'y' }).expect(400);
    expect(combined.body.details).toEqual([expect.objectContaining({ field: 'password' })]);

    for (const displayName of ['   ', 'a\nb']) {
      const named = await t.http.post('/auth/register').send({ email: 'z@test.local', password: TEST_PASSWORD, displayName }).expect(400);
      expect(named.body.details).toEqual([expect.objectContaining({ field: 'displayName' })]);
    }
    const brand = await t.http.post('/brands/register').send({ brandName: ' \t ', email: 'b@test.local', password: TEST_PASSWORD }).expect(400);
    expect(brand.body.details).toEqual([expect.objectContaining({ field: 'brandName' })]);
  });

  it('answers malformed JSON with 400, never 500', async () => {
    const res = await t.http.post('/auth/login').set('Content-Type', 'application/json').send('{"email":').expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.message).toBe('The request body is not valid JSON: a JSON object (or array) is expected');
    // API.md: validation failures name the offending fields in `details`; here the body as a whole
    expect(res.body.details).toEqual([{ field: 'body', errors: [res.body.message] }]);
    // JSON, but not an object: strict parsing refuses it in the same words
    for (const scalar of ['null', 'true', '12', '"x"']) {
      const refused = await t.http.post('/auth/login').set('Content-Type', 'application/json').send(scalar).expect(400);
      expect(refused.body).toMatchObject({ code: 'VALIDATION_FAILED', message: res.body.message, details: res.body.details });
    }
  });

  it('registers a brand whose user has role brand', async () => {
    const brand = await createBrand(t.http, 'Acme');
    const me = await t.http.get('/me').set('Authorization', brand.auth).expect(200);
    expect(me.body).toMatchObject({ role: 'brand', brandId: brand.brandId, displayName: 'Acme' });
  });

  it('refuses wrong credentials with 401 INVALID_CREDENTIALS', async () => {
    const member = await createMember(t.http);
    const wrong = await t.http.post('/auth/login').send({ email: member.email, password: 'wrong-password!' }).expect(401);
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
    const unknown = await t.http.post('/auth/login').send({ email: 'nobody@test.local', password: TEST_PASSWORD }).expect(401);
    expect(unknown.body.code).toBe('INVALID_CREDENTIALS');
  });

  it('requires a valid bearer token', async () => {
    expect((await t.http.get('/me').expect(401)).body.code).toBe('UNAUTHORIZED');
    expect((await t.http.get('/me').set('Authorization', 'Bearer not-a-jwt').expect(401)).body.code).toBe('UNAUTHORIZED');
  });

  it('bootstraps the admin account from the environment', async () => {
    const admin = await loginAdmin(t.http);
    const me = await t.http.get('/me').set('Authorization', admin.auth).expect(200);
    expect(me.body.role).toBe('admin');
  });

  it('serves health, metrics and the OpenAPI document', async () => {
    const health = await t.http.get('/health').expect(200);
    expect(health.body.info).toMatchObject({ postgres: { status: 'up' }, redis: { status: 'up' } });
    expect((await t.http.get('/metrics').expect(200)).text).toContain('process_cpu_user_seconds_total');
    const doc = await t.http.get('/docs-json').expect(200);
    expect(doc.body.paths['/auth/register']).toBeDefined();
  });

  it('logs and times a request whose body the parser refuses, before any route sees it', async () => {
    const logged = jest.spyOn(Logger.prototype, 'log');
    try {
      const refused = await t.http.post('/auth/login').set('Content-Type', 'application/json').set('X-Request-Id', 'unparsable-1').send('{"email": ').expect(400);
      expect(refused.headers['x-request-id']).toBe('unparsable-1');
      await new Promise((resolve) => setImmediate(resolve));
      const line = logged.mock.calls.find(([fields]) => (fields as { req?: { id?: string } }).req?.id === 'unparsable-1');
      expect(line).toEqual([expect.objectContaining({ res: expect.objectContaining({ statusCode: 400 }), responseTime: expect.any(Number), msg: 'request completed' })]);
      // The queue dashboard's requests reach the request logger but no route of ours: logged once, by it.
      await t.http.get('/admin/queues/api/queues').set('X-Request-Id', 'dashboard-1');
      await new Promise((resolve) => setImmediate(resolve));
      expect(logged.mock.calls.filter(([fields]) => (fields as { req?: { id?: string } }).req?.id === 'dashboard-1')).toEqual([]);
    } finally {
      logged.mockRestore();
    }
    const metrics = (await t.http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/http_request_duration_seconds_count\{method="POST",route="unrouted",status="400"\} [1-9]/);
  });
});
