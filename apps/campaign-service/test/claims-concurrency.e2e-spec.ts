import { INestApplicationContext } from '@nestjs/common';
import { Agent, request } from 'node:http';
import { createWorkerContext, TestApp } from '@app/testing';
import { FulfillmentModule } from '../../fulfillment-service/src/fulfillment.module';
import { createCampaignServiceApp } from './app';
import { campaignFacts, insertActiveCampaign, insertMembers, offer, waitFor } from './claims/claims-fixtures';

// Many sockets at once, kept alive: requests really overlap in the server.
const agent = new Agent({ keepAlive: true, maxSockets: 400 });

function post(url: string, auth: string, key: string): Promise<{ status: number; body: { id?: string; code?: string } }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: { authorization: auth, 'idempotency-key': key, 'content-type': 'application/json' },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ acceptDisclosure: true }));
  });
}

interface Attempt {
  member: number;
  key: string;
}

/** Real HTTP on a listening port, real PostgreSQL and Redis: a flash sale with bots and retries. */
describe('claims under concurrency (e2e)', () => {
  let t: TestApp;
  let worker: INestApplicationContext;
  let baseUrl: string;

  beforeAll(async () => {
    t = await createCampaignServiceApp({ env: { RATE_LIMIT_IP: '0', RATE_LIMIT_ACCOUNT: '0', RATE_LIMIT_CLAIM: '0' } });
    await t.app.listen(0, '127.0.0.1');
    baseUrl = await t.app.getUrl();
    worker = await createWorkerContext(FulfillmentModule);
  });
  afterAll(async () => {
    agent.destroy();
    await worker.close();
    await t.close();
  });

  it('2,000 concurrent claims from 1,500 members on 1,000 units: exactly 1,000 claims, one per member, unique codes, all fulfilled', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 1000 });
    const members = await insertMembers(t, 1500);
    await offer(t.dataSource, campaignId, members);

    const attempts: Attempt[] = members.map((_, i) => ({ member: i, key: `first-${i}` }));
    for (let i = 0; i < 300; i++) attempts.push({ member: i * 5, key: `first-${i * 5}` }); // replays
    for (let i = 0; i < 200; i++) attempts.push({ member: i * 7 + 1, key: `second-${i * 7 + 1}` }); // same member, new key
    attempts.sort(() => Math.random() - 0.5);

    const started = Date.now();
    const results = await Promise.all(
      attempts.map(async (a) => {
        const response = await post(`${baseUrl}/campaigns/${campaignId}/claims`, members[a.member].auth, a.key);
        return { ...a, ...response };
      }),
    );
    const elapsed = Date.now() - started;

    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    const accepted = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status !== 201);
    expect(new Set(refused.map((r) => `${r.status} ${r.body.code}`))).toEqual(
      new Set([...refused.map((r) => `${r.status} ${r.body.code}`)].filter((s) => ['409 SOLD_OUT', '409 CLAIM_LIMIT_REACHED'].includes(s))),
    );
    const claimIds = new Set(accepted.map((r) => r.body.id));
    expect(claimIds.size).toBe(1000);
    // A replay answers exactly what the first request with its key answered.
    const byKey = new Map<string, Set<string>>();
    for (const r of accepted) byKey.set(`${r.member}|${r.key}`, (byKey.get(`${r.member}|${r.key}`) ?? new Set()).add(r.body.id as string));
    expect([...byKey.values()].every((ids) => ids.size === 1)).toBe(true);
    const acceptedMembers = new Map<number, string>();
    for (const r of accepted) {
      const seen = acceptedMembers.get(r.member);
      expect(seen === undefined || seen === r.body.id).toBe(true);
      acceptedMembers.set(r.member, r.body.id as string);
    }

    const facts = await waitFor(() => campaignFacts(t.dataSource, campaignId), (f) => f.fulfilled === 1000, 60000);
    expect(facts).toEqual({
      total_units: 1000,
      claimed_units: 1000,
      live: 1000,
      fulfilled: 1000,
      failed: 0,
      members: 1000,
      codes_assigned: 1000,
      distinct_codes: 1000,
    });
    const [{ claims }] = await t.dataSource.query(`SELECT count(*)::int AS claims FROM claims WHERE campaign_id = $1`, [campaignId]);
    expect(claims).toBe(1000);
    process.stdout.write(`claims: ${attempts.length} requests in ${elapsed} ms (${Math.round((attempts.length / elapsed) * 1000)}/s)\n`);
  }, 150_000);
});
