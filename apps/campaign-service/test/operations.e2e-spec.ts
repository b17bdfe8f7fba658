import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import { readdirSync } from 'node:fs';
import { Client } from 'pg';
import { createWorkerContext, databaseUrl, TestApp, testRunId, ThrowawayRedis } from '@app/testing';
import { MatchingModule } from '../../matching-service/src/matching.module';
import { FulfillmentModule } from '../../fulfillment-service/src/fulfillment.module';
import { createCampaignServiceApp } from './app';

const run = promisify(execFile);

async function eventually(check: () => Promise<boolean>, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('operations (e2e)', () => {
  describe('health follows Redis without a restart', () => {
    let redis: ThrowawayRedis;
    let t: TestApp;

    beforeAll(async () => {
      redis = await ThrowawayRedis.start();
      t = await createCampaignServiceApp({ env: { REDIS_URL: redis.url } });
    });
    afterAll(async () => {
      await t.close();
      await redis.stop();
    });

    it('answers 200, then 503 while Redis is down, then 200 again', async () => {
      await t.http.get('/health').expect(200);

      await redis.stop();
      const down = await t.http.get('/health').expect(503);
      expect(down.body).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
      expect(JSON.stringify(down.body.details)).toContain('redis');

      await redis.start();
      await eventually(async () => (await t.http.get('/health')).status === 200);
    });
  });

  describe('worker services', () => {
    let t: TestApp;
    const workers: INestApplicationContext[] = [];

    beforeAll(async () => {
      t = await createCampaignServiceApp();
    });
    afterAll(async () => {
      for (const worker of workers) await worker.close();
      await t.close();
    });

    it.each([
      ['matching-service', MatchingModule],
      ['fulfillment-service', FulfillmentModule],
    ])('%s boots with its processors and answers /health', async (_name, module) => {
      const worker = await createWorkerContext(module);
      workers.push(worker);
      const server = (worker as unknown as { getHttpServer(): unknown }).getHttpServer();
      const res = await request(server as Parameters<typeof request>[0]).get('/health').expect(200);
      expect(res.body.status).toBe('ok');
    });
  });

  describe('metrics behind METRICS_TOKEN', () => {
    const token = 'scrape-token-0123456789';
    let t: TestApp;

    beforeAll(async () => {
      t = await createCampaignServiceApp({ env: { METRICS_TOKEN: token } });
    });
    afterAll(async () => {
      delete process.env.METRICS_TOKEN;
      await t.close();
    });

    it('answers 401 without the token, or with another one, and the metrics with it', async () => {
      for (const authorization of [undefined, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, token]) {
        const call = t.http.get('/metrics');
        const res = await (authorization ? call.set('Authorization', authorization) : call).expect(401);
        expect(res.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
      }
      await t.http.get('/metrics').set('Authorization', `bearer ${token}`).expect(200);
      const res = await t.http.get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toContain('http_request_duration_seconds');
      // Buckets reach the request timeout (30 s), not only 5 s.
      expect(res.text).toMatch(/http_request_duration_seconds_bucket\{le="30",/);
    });
  });

  it('migrates once when two instances start together on a database that does not exist yet: both succeed, each migration applied once, no extension added', async () => {
    const name = `perks_test_${testRunId()}_race`;
    const migrate = () =>
      run(process.execPath, ['-r', '@swc-node/register', 'libs/db/src/migrate.ts'], {
        env: { ...process.env, DATABASE_URL: databaseUrl(name) },
        cwd: `${__dirname}/../../..`,
      });
    const outputs = await Promise.all([migrate(), migrate()]);
    expect(outputs.map((o) => o.stdout).join('')).toContain('up to date');
    const migrations = readdirSync(`${__dirname}/../../../libs/db/src/migrations`).filter((file) => /^\d+-.*\.ts$/.test(file));
    const client = new Client({ connectionString: databaseUrl(name) });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT count(*)::int AS n, count(DISTINCT name)::int AS names FROM migrations`);
      expect(rows[0]).toEqual({ n: migrations.length, names: migrations.length });
      // The migrations are the whole schema: TypeORM adds no extension of its own.
      expect((await client.query(`SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'`)).rows).toEqual([]);
    } finally {
      await client.end();
    }
  }, 120000);

  it('refuses to start with a bad configuration and names the variable', async () => {
    const failure = await run(process.execPath, ['-r', '@swc-node/register', 'apps/campaign-service/src/main.ts'], {
      env: { ...process.env, PORT: 'not-a-port', PLATFORM_FEE_BPS: '-5' },
      cwd: `${__dirname}/../../..`,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toMatch(/PORT=.*\n.*PLATFORM_FEE_BPS/s);
  });
});
