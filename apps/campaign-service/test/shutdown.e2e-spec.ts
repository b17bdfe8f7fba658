import { once } from 'node:events';
import { connect } from 'node:net';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/db';
import { randomUUID } from 'node:crypto';
import { createMember, freePort, ServiceProcess, TestApp, useIsolatedEnvironment } from '@app/testing';
import { createCampaignServiceApp } from './app';

/** SIGTERM ends the API within REQUEST_TIMEOUT_MS and a few seconds, even while a request's query waits on a lock. */
describe('campaign-service shutdown (e2e)', () => {
  let db: DataSource;
  let api: ServiceProcess;
  let redisPrefix: string;

  beforeAll(async () => {
    const env = await useIsolatedEnvironment();
    redisPrefix = env.redisPrefix;
    db = await new DataSource(dataSourceOptions(env.databaseUrl, 2)).initialize();
    api = new ServiceProcess('campaign-service', { DATABASE_URL: env.databaseUrl, REDIS_PREFIX: env.redisPrefix, REQUEST_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => {
    await api.kill('SIGKILL');
    await db.destroy();
  });

  it('exits within its bound on SIGTERM though a request waits on a lock', async () => {
    const port = await freePort();
    await api.start(port);
    const blocker = db.createQueryRunner();
    await blocker.startTransaction();
    await blocker.query(`LOCK TABLE users IN ACCESS EXCLUSIVE MODE`);
    const login = fetch(`http://127.0.0.1:${port}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'someone@example.com', password: 'long-enough-password' }),
    });
    // The request is answered 503 at its timeout; its query still waits on the lock.
    expect((await login).status).toBe(503);
    const started = Date.now();
    await api.kill('SIGTERM');
    const took = Date.now() - started;
    await blocker.rollbackTransaction();
    await blocker.release();
    // REQUEST_TIMEOUT_MS + 5 s at the latest, whatever the hooks wait for.
    expect(took).toBeLessThan(8000);
  }, 90_000);

  it('says, as it happens and in JSON lines, that it waits for a PostgreSQL that is not there', async () => {
    const waiting = new ServiceProcess('campaign-service', { DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/perks`, REDIS_PREFIX: `${redisPrefix}_boot` });
    try {
      waiting.launch(await freePort());
      // TypeORM retries every 3 s; the first attempt is reported at once, not when the boot gives up
      // (~30 s, every attempt's line at once): before the second attempt's. Not within a time of the
      // launch: compiling and booting the service took more than 10 s on a busy machine.
      const output = await waiting.outputMatching(/Unable to connect to the database/, 60_000);
      const line = output.split('\n').find((text) => text.includes('Unable to connect to the database')) ?? '';
      expect(JSON.parse(line)).toMatchObject({ level: 50, context: 'TypeOrmModule', err: { message: expect.stringContaining('Retrying (1)') } });
      expect(output).not.toContain('Retrying (2)');
    } finally {
      await waiting.kill('SIGKILL');
    }
  }, 90_000);

  it('exits 0 on SIGTERM though a client stalls halfway through sending its request', async () => {
    const port = await freePort();
    await api.start(port);
    const stalled = connect(port, '127.0.0.1');
    stalled.on('error', () => undefined);
    await once(stalled, 'connect');
    stalled.write(`POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":`);
    // Node stops timing requests out once the server closes: the service cuts the connection itself.
    expect(await api.kill('SIGTERM')).toBe(0);
    stalled.destroy();
  }, 90_000);

  it('exits 0 when stopped on purpose, so a supervisor (npm start) tells it from a crash', async () => {
    const port = await freePort();
    await api.start(port);
    expect(await api.kill('SIGTERM')).toBe(0);
  }, 90_000);
});

describe('requests that keep coming while the API shuts down (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createCampaignServiceApp();
  });
  afterAll(() => t.close());

  it('answers them 503 SERVICE_UNAVAILABLE with Connection: close, the lean claim route included', async () => {
    const { auth } = await createMember(t.http);
    // What Nest does first on SIGTERM, before any hook closes a pool.
    (t.app.getHttpAdapter() as unknown as { beforeClose(): void }).beforeClose();
    const member = await t.http.get('/me').set('Authorization', 'Bearer x').expect(503);
    const claim = await t.http
      .post(`/campaigns/${randomUUID()}/claims`)
      .set('Authorization', auth)
      .set('Idempotency-Key', 'k')
      .send({ acceptDisclosure: true })
      .expect(503);
    for (const answer of [member, claim]) {
      expect(answer.body).toEqual({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: 'The service is shutting down; retry the request' });
      expect(answer.headers).toMatchObject({ connection: 'close', 'retry-after': '1', 'x-request-id': expect.any(String) });
    }
  });
});
