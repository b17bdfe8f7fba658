import type { Pool } from 'pg';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { dataSourceOptions } from '@app/db';
import { createTestDatabase, TcpProxy, TestApp, waitForLockWaiter } from '@app/testing';
import { createCampaignServiceApp } from './app';
import { insertActiveCampaign, insertMembers, Member, offer } from './claims/claims-fixtures';

/**
 * PostgreSQL unreachable (its connections dropped, new ones refused): every route that needs it
 * answers 503 SERVICE_UNAVAILABLE, never a 500, and the API serves again once it is back. The
 * outage is a proxy between the API and the shared server, which is never touched.
 */
describe('PostgreSQL outage (e2e)', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  let member: Member;
  let campaignId: string;
  let direct: DataSource;

  beforeAll(async () => {
    const database = new URL(await createTestDatabase());
    direct = await new DataSource(dataSourceOptions(database.toString(), 2)).initialize();
    proxy = await TcpProxy.start({ host: database.hostname, port: Number(database.port || 5432) });
    database.host = `127.0.0.1:${proxy.port}`;
    t = await createCampaignServiceApp({ env: { DATABASE_URL: database.toString() } });
    campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 5 });
    [member] = await insertMembers(t, 1);
    await offer(t.dataSource, campaignId, [member]);
  });
  afterAll(async () => {
    await proxy.restore();
    await t.close();
    await proxy.cut();
    await direct.destroy();
  });

  /**
   * Sends a request whose query waits on a lock `lockSql` takes (past the proxy), cuts the database
   * off while it waits, and returns its answer once the lock and the connection are back.
   */
  async function cutWhileWaiting(lockSql: string, params: unknown[], send: () => PromiseLike<Response>): Promise<Response> {
    const holder = direct.createQueryRunner();
    await holder.startTransaction();
    await holder.query(lockSql, params);
    const answer = Promise.resolve(send());
    await waitForLockWaiter(direct);
    await proxy.cut();
    try {
      return await answer;
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
      await proxy.restore();
    }
  }

  it('keeps a listener on every pooled connection, so a server goodbye between two users cannot crash the process', async () => {
    const pool = (t.dataSource.driver as PostgresDriver).master as Pool;
    const client = await pool.connect();
    try {
      // As the pool hands it out: its idle listener is gone, and nobody else has added one yet.
      expect(() => client.emit('error', new Error('terminating connection due to administrator command'))).not.toThrow();
    } finally {
      client.release(new Error('ended by the test'));
    }
  });

  it('answers 503 on every route that needs the database while it is away, and serves again after', async () => {
    const requests = () => [
      t.http.get('/me').set('Authorization', member.auth),
      t.http.get('/me/perks').set('Authorization', member.auth),
      t.http.get('/me/claims').set('Authorization', member.auth),
      t.http.post(`/campaigns/${campaignId}/claims`).set('Authorization', member.auth).set('Idempotency-Key', 'outage').send({ acceptDisclosure: true }),
      t.http.post('/auth/login').send({ email: 'nobody@test.local', password: 'long-enough-password' }),
      t.http.post('/auth/register').send({ email: 'new@test.local', password: 'long-enough-password', displayName: 'New' }),
    ];
    await t.http.get('/me').set('Authorization', member.auth).expect(200);

    await proxy.cut();
    const answers = await Promise.all(requests());
    expect(answers.map((res) => [res.status, res.body.code, res.headers['retry-after']])).toEqual(answers.map(() => [503, 'SERVICE_UNAVAILABLE', '1']));
    const health = await t.http.get('/health').expect(503);
    // Which check failed, but not the driver's words: they name the database's address to anyone.
    expect(health.body.details.error.postgres).toMatchObject({ status: 'down', message: 'not answering' });
    expect(JSON.stringify(health.body)).not.toContain(String(proxy.port));
    // Alive all the same: a liveness probe must not restart a service that waits for its database.
    await t.http.get('/health/live').expect(200, { status: 'ok' });

    await proxy.restore();
    await t.http.get('/me').set('Authorization', member.auth).expect(200);
    await t.http.post(`/campaigns/${campaignId}/claims`).set('Authorization', member.auth).set('Idempotency-Key', 'outage').send({ acceptDisclosure: true }).expect(201);
  });

  it('answers 503 to a request whose query the outage cut off mid-way', async () => {
    // The login's query waits on this lock when the connection is reset under it.
    const answer = await cutWhileWaiting(`LOCK TABLE users IN ACCESS EXCLUSIVE MODE`, [], () =>
      t.http.post('/auth/login').send({ email: 'nobody@test.local', password: 'long-enough-password' }),
    );
    expect([answer.status, answer.body.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
  });

  it("answers a claim whose write the outage cut off with the claim's own 503, not the account check's", async () => {
    // The write waits on the campaign's row lock (taken past the proxy) when the outage begins; the
    // account check the answer could ask for is no longer cached then (LiveAccounts keeps it 5 s).
    const [claimant] = await insertMembers(t, 1);
    await offer(t.dataSource, campaignId, [claimant]);
    await new Promise((resolve) => setTimeout(resolve, 5_100));
    const answer = await cutWhileWaiting(`SELECT 1 FROM campaigns WHERE id = $1 FOR UPDATE`, [campaignId], () =>
      t.http.post(`/campaigns/${campaignId}/claims`).set('Authorization', claimant.auth).set('Idempotency-Key', 'cut-mid-write').send({ acceptDisclosure: true }),
    );
    expect(answer.body).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('same Idempotency-Key') });
  });
});
