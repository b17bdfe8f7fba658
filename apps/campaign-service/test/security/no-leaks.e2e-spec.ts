import { randomUUID } from 'node:crypto';
import { Server } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { Client } from 'pg';
import { createMember, TestApp } from '@app/testing';
import { createCampaignServiceApp } from '../app';

const LEAK_PATTERNS = [/select|insert|update|relation|column|syntax/i, /\bat .+\(.+:\d+:\d+\)/, /QueryFailedError|TypeORM|node_modules/];

describe('no leaks: error bodies, headers, CORS, body size and timeouts (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Short enough to test the timeout, not so short that a busy machine cuts the other requests:
    // at 400 ms, registering and signing in (a password hash each) were answered 503 in a full run.
    t = await createCampaignServiceApp({ env: { REQUEST_TIMEOUT_MS: '2000' } });
  });
  afterAll(() => t.close());

  it('answers a database failure with a generic 500: no SQL, no table names, no stack', async () => {
    const member = await createMember(t.http);
    await t.dataSource.query(`ALTER TABLE users RENAME TO users_moved_away`);
    try {
      const res = await t.http.get('/me').set('Authorization', member.auth).expect(500);
      expect(res.body).toEqual({ statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal server error' });
      for (const pattern of LEAK_PATTERNS) expect(res.text).not.toMatch(pattern);
      expect(res.text).not.toContain('users');
    } finally {
      await t.dataSource.query(`ALTER TABLE users_moved_away RENAME TO users`);
    }
  });

  it('answers 503 in the error shape when a request runs past REQUEST_TIMEOUT_MS', async () => {
    const member = await createMember(t.http);
    // Another session holds the users table, so GET /me waits on the lock.
    const blocker = new Client({ connectionString: t.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const res = await t.http.get('/me').set('Authorization', member.auth).expect(503);
      // Cut at the timeout: the lock is held until the test is done with the answer.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(res.body).toEqual({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/too long/) });
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    await t.http.get('/me').set('Authorization', member.auth).expect(200);
  });

  it('sends helmet security headers and no X-Powered-By', async () => {
    const res = await t.http.get('/health').expect(200);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
  });

  it('allows no browser origin by default (CORS)', async () => {
    const preflight = await t.http
      .options('/auth/login')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await t.http.get('/health').set('Origin', 'https://evil.example');
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('takes JSON bodies up to 5 MB on the bulk routes only: any other route refuses one over 256 kB with 413 before parsing it', async () => {
    const sized = (bytes: number) => JSON.stringify({ codes: Array.from({ length: Math.ceil(bytes / 40) }, (_, i) => `code-${i}`.padEnd(36, 'x')) });
    const member = await createMember(t.http);
    const login = await t.http.post('/auth/login').set('Content-Type', 'application/json').send(sized(300 * 1024)).expect(413);
    expect(login.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    await t.http.post(`/campaigns/${randomUUID()}/claims`).set('Authorization', member.auth).set('Content-Type', 'application/json').send(sized(300 * 1024)).expect(413);
    // Parsed on the bulk routes, however Express spells their paths, and then answered by the route's own rules.
    for (const path of [`/campaigns/${randomUUID()}/codes`, `/Campaigns/${randomUUID()}/Codes/`, '/scores/batch?x=1', '/payments/stripe/webhook', '/shipping/webhook/']) {
      const res = await t.http.post(path).set('Content-Type', 'application/json').send(sized(1024 * 1024));
      expect([path, res.status]).not.toEqual([path, 413]);
    }
  });

  it('refuses a JSON body over 5 MB with 413 and a body of another type with 415', async () => {
    const big = JSON.stringify({ email: 'x'.repeat(6 * 1024 * 1024), password: 'y' });
    const res = await t.http.post('/auth/login').set('Content-Type', 'application/json').send(big).expect(413);
    expect(res.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    // Refused by the body parser, before any route: still with the request id and the security headers.
    const broken = await t.http.post('/auth/login').set('Content-Type', 'application/json').set('X-Request-Id', 'trace-42').send('{bad').expect(400);
    for (const refused of [res, broken]) {
      expect(refused.headers['x-content-type-options']).toBe('nosniff');
      expect(refused.headers['x-request-id']).toEqual(expect.any(String));
    }
    expect(broken.headers['x-request-id']).toBe('trace-42');
    const xml = await t.http.post('/auth/login').set('Content-Type', 'application/xml').send('<a/>');
    expect(xml.status).toBe(415);
    expect(xml.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    // JSON with a charset parameter is still JSON
    await t.http.post('/auth/login').set('Content-Type', 'application/json; charset=utf-8').send('{}').expect(400);
  });

  it('answers requests that Node itself refuses (broken HTTP, huge headers) in the error shape', async () => {
    const server = t.app.getHttpServer() as Server;
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const raw = (payload: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(payload));
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
    const broken = await raw('GARBAGE /me HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(broken).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(broken.split('\r\n\r\n')[1])).toEqual({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: 'Malformed HTTP request',
      details: [{ field: 'request', errors: ['Malformed HTTP request'] }],
    });
    const huge = await raw(`GET /me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(huge.split('\r\n\r\n')[1])).toMatchObject({ statusCode: 431, code: 'VALIDATION_FAILED', details: [{ field: 'headers' }] });
    // Behind a request still being answered, the refusal waits its turn: the first answer is not
    // lost (a claim stored, its client told 400), and what follows Connection: close is ignored.
    const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map(([, status]) => Number(status));
    expect(statuses(await raw('GET /health HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n'))).toEqual([200, 400]);
    expect(statuses(await raw('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n'))).toEqual([200]);
    // A body whose framing breaks is refused at once: its own request waits for the rest in vain.
    const cutShort = await raw('POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{"\r\nzz\r\n');
    expect(statuses(cutShort)).toEqual([400]);
  });

  it('never echoes the password hash or refresh token hashes in responses', async () => {
    const member = await createMember(t.http);
    const me = await t.http.get('/me').set('Authorization', member.auth).expect(200);
    expect(Object.keys(me.body).sort()).toEqual(['brandId', 'displayName', 'email', 'id', 'role']);
    expect(me.text).not.toMatch(/argon2|password/i);
  });
});

describe('CORS with configured origins (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createCampaignServiceApp({ env: { CORS_ALLOWED_ORIGINS: 'https://app.perks.example,https://admin.perks.example' } });
  });
  afterAll(() => t.close());

  it('allows exactly the listed origins', async () => {
    const ok = await t.http
      .options('/auth/login')
      .set('Origin', 'https://admin.perks.example')
      .set('Access-Control-Request-Method', 'POST')
      .expect(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://admin.perks.example');
    const evil = await t.http.options('/auth/login').set('Origin', 'https://app.perks.example.evil.example').set('Access-Control-Request-Method', 'POST');
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });
});
