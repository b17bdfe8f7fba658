import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { Agent, Server } from 'node:http';
import Redis from 'ioredis';
import request from 'supertest';
import { createTestApp, TestApp, TEST_PASSWORD, ThrowawayRedis } from '@app/testing';
import { DomainError, ErrorCode } from '@app/domain';
import { AppModule } from '../../src/app.module';
import { AuthService } from '../../src/auth/auth.service';
import { createCampaignServiceApp } from '../app';

const STRICT = {
  RATE_LIMIT_WINDOW_SECONDS: '60',
  RATE_LIMIT_IP: '40',
  RATE_LIMIT_ACCOUNT: '15',
  RATE_LIMIT_LOGIN: '2',
  RATE_LIMIT_LOGIN_ACCOUNT: '4',
  RATE_LIMIT_LOGIN_IP: '3',
  RATE_LIMIT_REGISTER: '2',
  RATE_LIMIT_CLAIM: '2',
};

type Client = { get(path: string): request.Test; post(path: string): request.Test };

/** Loopback owns all of 127/8: binding the client's source address lets one test speak from several IPs. */
function listen(t: TestApp): Promise<(ip: string) => Client> {
  const server = t.app.getHttpServer() as Server;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve((ip: string) => {
        const agent = new Agent({ localAddress: ip });
        return { get: (path) => request(base).get(path).agent(agent), post: (path) => request(base).post(path).agent(agent) };
      });
    }),
  );
}

const wrongLogin = (email: string) => ({ email, password: 'not-the-password' });

describe('rate limits in Redis (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let fromA: (ip: string) => Client;
  let fromB: (ip: string) => Client;

  beforeAll(async () => {
    a = await createCampaignServiceApp({ env: STRICT });
    // A second instance on the same Redis prefix: the limits must hold across instances.
    b = await createTestApp(AppModule, { env: { ...STRICT, REDIS_PREFIX: a.redisPrefix } });
    fromA = await listen(a);
    fromB = await listen(b);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('limits login attempts per IP across instances: 429 RATE_LIMITED with Retry-After', async () => {
    await fromA('127.0.0.11').post('/auth/login').send(wrongLogin('one@test.local')).expect(401);
    await fromB('127.0.0.11').post('/auth/login').send(wrongLogin('two@test.local')).expect(401);
    await fromA('127.0.0.11').post('/auth/login').send(wrongLogin('three@test.local')).expect(401);
    const limited = await fromB('127.0.0.11').post('/auth/login').send(wrongLogin('four@test.local')).expect(429);
    expect(limited.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another client is not affected.
    await fromA('127.0.0.12').post('/auth/login').send(wrongLogin('one@test.local')).expect(401);
  });

  it('limits wrong passwords per targeted account from one address, and from all addresses together at a higher count', async () => {
    const victim = 'victim@test.local';
    // Two guesses from one address (RATE_LIMIT_LOGIN 2): that address is stopped for this account only…
    for (let i = 0; i < 2; i++) await fromA('127.0.0.21').post('/auth/login').send(wrongLogin(victim)).expect(401);
    expect((await fromB('127.0.0.21').post('/auth/login').send(wrongLogin(victim.toUpperCase())).expect(429)).body).toMatchObject({
      code: 'RATE_LIMITED',
      details: { limit: 'login-client' },
    });
    for (let i = 0; i < 5; i++) await fromB('127.0.0.21').post('/auth/login').send(wrongLogin(victim)).expect(429);
    // …and its refused attempts do not count for the account: two more from other addresses reach
    // the account's own count (RATE_LIMIT_LOGIN_ACCOUNT 4), whatever address comes next.
    await fromA('127.0.0.22').post('/auth/login').send(wrongLogin(victim)).expect(401);
    await fromA('127.0.0.23').post('/auth/login').send(wrongLogin(victim)).expect(401);
    expect((await fromA('127.0.0.24').post('/auth/login').send(wrongLogin(victim)).expect(429)).body.details.limit).toBe('login-account');
    await fromA('127.0.0.24').post('/auth/login').send(wrongLogin('someone-else@test.local')).expect(401);
  });

  it("does not let a guesser at one address lock the account's owner out at another", async () => {
    const owner = { email: 'targeted@test.local', password: TEST_PASSWORD };
    await fromA('127.0.0.25').post('/auth/register').send({ ...owner, displayName: 't' }).expect(201);
    for (let i = 0; i < 2; i++) await fromA('127.0.0.26').post('/auth/login').send(wrongLogin(owner.email)).expect(401);
    // The guesser's address is stopped however often it tries, even with the right password (guessing learns nothing)…
    for (let i = 0; i < 5; i++) await fromB('127.0.0.26').post('/auth/login').send(wrongLogin(owner.email)).expect(429);
    await fromA('127.0.0.26').post('/auth/login').send(owner).expect(429);
    // …while the owner signs in from their own address (as often as the per-IP login limit, 3, allows).
    for (let i = 0; i < 3; i++) await fromA('127.0.0.27').post('/auth/login').send(owner).expect(200);
  });

  it('limits password-change attempts per signed-in account like logins', async () => {
    const owner = { email: 'changer@test.local', password: TEST_PASSWORD };
    await fromA('127.0.0.28').post('/auth/register').send({ ...owner, displayName: 'c' }).expect(201);
    const auth = `Bearer ${(await fromA('127.0.0.28').post('/auth/login').send(owner).expect(200)).body.accessToken}`;
    const change = (ip: string) =>
      fromA(ip).post('/auth/password').set('Authorization', auth).send({ currentPassword: 'not-my-password', newPassword: 'another-long-password' });
    for (let i = 0; i < 2; i++) await change('127.0.4.1').expect(401);
    expect((await change('127.0.4.1').expect(429)).body.details.limit).toBe('login-client');
    for (let i = 0; i < 2; i++) await change(`127.0.4.${i + 2}`).expect(401);
    expect((await change('127.0.4.4').expect(429)).body.details.limit).toBe('login-account');
  });

  it("counts logins typing an account's id as their email apart from that account's password changes", async () => {
    const owner = { email: 'id-target@test.local', password: TEST_PASSWORD };
    const { id } = (await fromA('127.0.0.29').post('/auth/register').send({ ...owner, displayName: 'i' }).expect(201)).body;
    const auth = `Bearer ${(await fromA('127.0.0.29').post('/auth/login').send(owner).expect(200)).body.accessToken}`;
    for (let i = 0; i < 2; i++) await fromA('127.0.5.1').post('/auth/login').send(wrongLogin(id)).expect(401);
    for (let i = 0; i < 2; i++) await fromA(`127.0.5.${i + 2}`).post('/auth/login').send(wrongLogin(id)).expect(401);
    await fromA('127.0.5.1').post('/auth/password').set('Authorization', auth).send({ currentPassword: TEST_PASSWORD, newPassword: TEST_PASSWORD }).expect(204);
  });

  it('gives back a login attempt the service could not decide (its database away): only wrong passwords add up', async () => {
    const owner = { email: 'outage@test.local', password: TEST_PASSWORD };
    await fromA('127.0.0.30').post('/auth/register').send({ ...owner, displayName: 'o' }).expect(201);
    const login = jest.spyOn(a.app.get(AuthService), 'login').mockRejectedValue(new DomainError(ErrorCode.ServiceUnavailable, 'The database is unavailable; retry later'));
    try {
      for (let i = 0; i < 3; i++) await fromA(`127.0.6.${i + 1}`).post('/auth/login').send(owner).expect(503);
      for (let i = 0; i < 2; i++) await fromA('127.0.6.9').post('/auth/login').send(owner).expect(503);
    } finally {
      login.mockRestore();
    }
    await fromA('127.0.6.9').post('/auth/login').send(owner).expect(200);
  });

  it('never limits the machine itself per IP (RATE_LIMIT_EXEMPT_IPS), only per account', async () => {
    const local = fromA('127.0.0.1');
    for (let i = 0; i < 4; i++) {
      await local.post('/auth/register').send({ email: `local${i}@test.local`, password: TEST_PASSWORD, displayName: 'l' }).expect(201);
    }
    for (let i = 0; i < 3; i++) await local.post('/auth/login').send(wrongLogin(`local-wrong${i}@test.local`)).expect(401);
    const statuses: number[] = [];
    for (let i = 0; i < 42; i++) statuses.push((await local.get('/me')).status);
    expect(statuses.every((s) => s === 401)).toBe(true);
    for (let i = 0; i < 2; i++) await local.post('/auth/login').send(wrongLogin('local0@test.local')).expect(401);
    await local.post('/auth/login').send(wrongLogin('local0@test.local')).expect(429);
  });

  it('limits registrations per IP', async () => {
    const register = (ip: string, n: number) =>
      fromA(ip).post('/auth/register').send({ email: `reg${n}-${ip}@test.local`, password: TEST_PASSWORD, displayName: 'r' });
    await register('127.0.0.31', 1).expect(201);
    await fromB('127.0.0.31').post('/brands/register').send({ brandName: 'b', email: 'reg-brand@test.local', password: TEST_PASSWORD }).expect(201);
    expect((await register('127.0.0.31', 3).expect(429)).body.code).toBe('RATE_LIMITED');
    await register('127.0.0.32', 4).expect(201);
  });

  it('limits every request per IP, anonymous ones included (the limiter runs before authentication)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 42; i++) statuses.push((await fromA('127.0.0.41').get('/me')).status);
    expect(statuses.slice(0, 40).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(40)).toEqual([429, 429]);
    await fromA('127.0.0.41').get('/health').expect(200);
  });

  it('limits every request per account, whichever IPs it comes from', async () => {
    await fromA('127.0.0.51').post('/auth/register').send({ email: 'busy@test.local', password: TEST_PASSWORD, displayName: 'b' }).expect(201);
    const login = await fromA('127.0.0.52').post('/auth/login').send({ email: 'busy@test.local', password: TEST_PASSWORD }).expect(200);
    const auth = `Bearer ${login.body.accessToken}`;
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) statuses.push((await fromA(`127.0.1.${i + 1}`).get('/me').set('Authorization', auth)).status);
    expect(statuses.slice(0, 15).every((s) => s === 200)).toBe(true);
    expect(statuses[15]).toBe(429);
  });

  it('limits claim attempts per member, stricter than the account limit, without touching other routes', async () => {
    await fromA('127.0.0.61').post('/auth/register').send({ email: 'claimer@test.local', password: TEST_PASSWORD, displayName: 'c' }).expect(201);
    const login = await fromA('127.0.0.61').post('/auth/login').send({ email: 'claimer@test.local', password: TEST_PASSWORD }).expect(200);
    const auth = `Bearer ${login.body.accessToken}`;
    const attempt = (ip: string) =>
      fromA(ip).post(`/campaigns/${randomUUID()}/claims`).set('Authorization', auth).set('Idempotency-Key', randomUUID()).send({ acceptDisclosure: true });
    expect((await attempt('127.0.0.62')).status).toBe(404);
    expect((await attempt('127.0.0.63')).status).toBe(404);
    const limited = await attempt('127.0.0.64').expect(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await fromA('127.0.0.64').get('/me').set('Authorization', auth).expect(200);
  });

  it('ignores a spoofed X-Forwarded-For: the socket address counts unless TRUST_PROXY names the proxy', async () => {
    for (let i = 0; i < 3; i++) {
      await fromA('127.0.0.71').post('/auth/login').set('X-Forwarded-For', `198.51.100.${i}`).send(wrongLogin(`spoof${i}@test.local`)).expect(401);
    }
    await fromA('127.0.0.71').post('/auth/login').set('X-Forwarded-For', '198.51.100.99').send(wrongLogin('spoof9@test.local')).expect(429);
  });

  it('keeps counters under the configured Redis prefix, with no raw IP or email in key names', async () => {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const keys = await redis.keys(`${a.redisPrefix}:rl:*`);
    redis.disconnect();
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join(' ')).not.toMatch(/127\.0\.0|@test\.local/);
  });
});

describe('rate limits behind a trusted proxy (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createCampaignServiceApp({ env: { ...STRICT, TRUST_PROXY: 'loopback' } });
  });
  afterAll(() => t.close());

  it('counts the forwarded client address, so clients behind one balancer are limited one by one', async () => {
    const login = (client: string, n: number) => t.http.post('/auth/login').set('X-Forwarded-For', client).send(wrongLogin(`p${n}-${client}@test.local`));
    for (let i = 0; i < 3; i++) await login('203.0.113.7', i).expect(401);
    expect((await login('203.0.113.7', 3).expect(429)).body.code).toBe('RATE_LIMITED');
    await login('203.0.113.8', 4).expect(401);
  });
});

describe('rate limiting fails open when Redis is down (e2e)', () => {
  let redis: ThrowawayRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    t = await createCampaignServiceApp({ env: { ...STRICT, REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  it('answers normally (never 500, never 429) while the counters are unreachable', async () => {
    for (let i = 0; i < 2; i++) await t.http.post('/auth/login').send(wrongLogin('x@test.local')).expect(401);
    await t.http.post('/auth/login').send(wrongLogin('x@test.local')).expect(429);
    await redis.stop();
    for (let i = 0; i < 5; i++) await t.http.post('/auth/login').send(wrongLogin('x@test.local')).expect(401);
    await t.http.post('/auth/register').send({ email: 'open@test.local', password: TEST_PASSWORD, displayName: 'o' }).expect(201);
    // Back again: the queues can then close cleanly.
    await redis.start();
  });
});
