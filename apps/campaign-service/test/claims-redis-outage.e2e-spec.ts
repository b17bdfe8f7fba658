import { INestApplicationContext, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { createWorkerContext, loginAdmin, TestApp, ThrowawayRedis } from '@app/testing';
import { FulfillmentModule } from '../../fulfillment-service/src/fulfillment.module';
import { createCampaignServiceApp } from './app';
import { campaignFacts, insertActiveCampaign, insertMembers, Member, offer, waitFor } from './claims/claims-fixtures';

/**
 * Redis dies (SIGKILL, no persistence: queues and gate counters are lost) in the middle of a
 * claim burst and comes back empty. Claims keep being accepted through PostgreSQL alone, the
 * gate is rebuilt from PostgreSQL, lost jobs are swept back in: every claim is fulfilled once.
 */
describe('claims while Redis is down (e2e)', () => {
  let redis: ThrowawayRedis;
  let t: TestApp;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    t = await createCampaignServiceApp({
      env: {
        REDIS_URL: redis.url,
        RATE_LIMIT_IP: '0',
        RATE_LIMIT_ACCOUNT: '0',
        RATE_LIMIT_CLAIM: '0',
        CLAIM_SWEEP_INTERVAL_MS: '500',
        CLAIM_SWEEP_AFTER_MS: '1000',
      },
    });
    worker = await createWorkerContext(FulfillmentModule);
  });
  afterAll(async () => {
    await worker.close();
    await t.close();
    await redis.stop();
    delete process.env.REDIS_URL;
  });

  const claim = (m: Member, campaignId: string, key: string) =>
    t.http.post(`/campaigns/${campaignId}/claims`).set('Authorization', m.auth).set('Idempotency-Key', key).send({ acceptDisclosure: true });

  it('accepts claims during the outage and fulfils every claim exactly once after it', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 300 });
    const members = await insertMembers(t, 400);
    await offer(t.dataSource, campaignId, members);

    const before = await Promise.all(members.slice(0, 100).map((m, i) => claim(m, campaignId, `k${i}`)));
    expect(before.map((r) => r.status)).toEqual(Array(100).fill(201));

    await redis.stop();
    const during = await Promise.all([
      ...members.slice(100, 250).map((m, i) => claim(m, campaignId, `k${i + 100}`)),
      ...members.slice(0, 30).map((m, i) => claim(m, campaignId, `k${i}`)),
      ...members.slice(0, 10).map((m) => claim(m, campaignId, 'another-key')),
    ]);
    expect(during.slice(0, 150).map((r) => r.status)).toEqual(Array(150).fill(201));
    expect(during.slice(150, 180).map((r) => r.body.id)).toEqual(before.slice(0, 30).map((r) => r.body.id));
    expect(during.slice(180).map((r) => r.body.code)).toEqual(Array(10).fill('CLAIM_LIMIT_REACHED'));

    await redis.start();
    const after = await Promise.all(members.slice(250, 400).map((m, i) => claim(m, campaignId, `k${i + 250}`)));
    const statuses = after.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(50);
    expect(after.filter((r) => r.status !== 201).map((r) => r.body.code)).toEqual(Array(100).fill('SOLD_OUT'));

    const facts = await waitFor(() => campaignFacts(t.dataSource, campaignId), (f) => f.fulfilled === 300, 45000);
    expect(facts).toEqual({
      total_units: 300,
      claimed_units: 300,
      live: 300,
      fulfilled: 300,
      failed: 0,
      members: 300,
      codes_assigned: 300,
      distinct_codes: 300,
    });
  });

  it('stores claims in PostgreSQL while a full Redis refuses writes, warns a few times, and fulfils them once memory is freed', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 200 });
    const members = await insertMembers(t, 200);
    await offer(t.dataSource, campaignId, members);
    const first = await Promise.all(members.slice(0, 20).map((m, i) => claim(m, campaignId, `full${i}`)));
    expect(first.map((r) => r.status)).toEqual(Array(20).fill(201));

    // maxmemory under what Redis holds, with noeviction (what BullMQ asks for): every write is refused with OOM.
    const admin = new Redis(redis.url);
    const warn = jest.spyOn(Logger.prototype, 'warn');
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '1');
    try {
      const during = await Promise.all(members.slice(20, 200).map((m, i) => claim(m, campaignId, `full${i + 20}`)));
      expect(during.map((r) => r.status)).toEqual(Array(180).fill(201));
      const gateWarnings = warn.mock.calls.filter(([message]) => String(message).startsWith('claim gate'));
      expect(gateWarnings.length).toBeGreaterThan(0);
      expect(gateWarnings.length).toBeLessThanOrEqual(2);
    } finally {
      warn.mockRestore();
      await admin.config('SET', 'maxmemory', '0');
      admin.disconnect();
    }
    const facts = await waitFor(() => campaignFacts(t.dataSource, campaignId), (f) => f.fulfilled === 200, 45000);
    expect(facts).toMatchObject({ claimed_units: 200, live: 200, fulfilled: 200, members: 200, codes_assigned: 200, distinct_codes: 200 });
  });

  it('answers the queue dashboard’s API 503 at once while Redis is down, and the queues again once it is back', async () => {
    const admin = await loginAdmin(t.http);
    const counts = () => t.http.get('/admin/queues/api/queues?activeQueue=fulfillment&status=latest&page=1').set('Authorization', admin.auth);
    expect((await counts()).status).toBe(200);
    await redis.stop();
    try {
      const started = Date.now();
      const res = await counts();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
      await t.http.get('/admin/queues').set('Authorization', admin.auth).expect(200);
    } finally {
      await redis.start();
    }
    await waitFor(async () => (await counts()).status, (status) => status === 200, 10000);

    // A Redis that hangs without closing the connection (CLIENT PAUSE stands in for a stall).
    const pauser = new Redis(redis.url);
    await pauser.call('CLIENT', 'PAUSE', '4000', 'ALL');
    try {
      const started = Date.now();
      expect((await counts()).status).toBe(503);
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      await pauser.call('CLIENT', 'UNPAUSE');
      pauser.disconnect();
    }
  });
});
