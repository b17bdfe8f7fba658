import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { ALL_QUEUE_NAMES } from '@app/queue';
import { TestApp } from '@app/testing';
import { createCampaignServiceApp } from './app';
import { adminAuth, insertMembers } from './claims/claims-fixtures';

describe('queue dashboard (e2e)', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    // The proxy on the loopback tells HTTPS apart (X-Forwarded-Proto), as one in front of the API would.
    t = await createCampaignServiceApp({ env: { TRUST_PROXY: 'loopback' } });
    const [row] = await t.dataSource.query(`SELECT id FROM users WHERE role = 'admin' LIMIT 1`);
    admin = adminAuth(t, row.id);
  });
  afterAll(() => t.close());

  it('shows every queue to an admin with a bearer token', async () => {
    await t.http.get('/admin/queues').set('Authorization', admin).expect(200).expect('content-type', /html/);
    const api = await t.http.get('/admin/queues/api/queues').set('Authorization', admin).expect(200);
    const names = (api.body.queues as { name: string }[]).map((q) => q.name).sort();
    expect(names).toEqual([...ALL_QUEUE_NAMES].sort());
  });

  it('refuses anonymous callers (401) and members (403)', async () => {
    const [member] = await insertMembers(t, 1);
    await t.http.get('/admin/queues').expect(401);
    await t.http.get('/admin/queues/api/queues').expect(401);
    await t.http.get('/admin/queues').set('Authorization', member.auth).expect(403);
    await t.http.get('/admin/queues').set('Cookie', 'perks_queue_dashboard=forged').expect(401);
    await t.http.post('/admin/queue-dashboard/session').set('Authorization', member.auth).expect(403);
    // A validly signed token naming as admin an account that is not one (a member, nobody) is refused
    // like on the API, also as a dashboard session.
    const jwt = t.app.get(JwtService);
    for (const sub of [member.id, randomUUID()]) {
      await t.http.get('/admin/queues/api/queues').set('Authorization', `Bearer ${jwt.sign({ sub, role: 'admin', brandId: null })}`).expect(401);
      await t.http.get('/admin/queues').set('Cookie', `perks_queue_dashboard=${jwt.sign({ sub, purpose: 'queue-dashboard' })}`).expect(401);
    }
  });

  it('gives a browser session: a ticket link that becomes a cookie scoped to the dashboard', async () => {
    const session = await t.http.post('/admin/queue-dashboard/session').set('Authorization', admin).expect(200);
    expect(session.body).toEqual({ url: expect.stringMatching(/^\/admin\/queues\?ticket=/), expiresIn: 900 });
    const opened = await t.http.get(session.body.url).expect(303);
    const cookie = (opened.headers['set-cookie'] as unknown as string[])[0];
    expect(cookie).toMatch(/^perks_queue_dashboard=.+; Max-Age=900; Path=\/admin\/queues; .*HttpOnly; SameSite=Strict/);
    await t.http.get('/admin/queues').set('Cookie', cookie.split(';')[0]).expect(200);
    // The dashboard token is not an API token, nor is the ticket the cookie's token.
    const token = cookie.split(';')[0].split('=')[1];
    await t.http.get('/admin/claims').set('Authorization', `Bearer ${token}`).expect(401);
    const ticket = decodeURIComponent(session.body.url.split('ticket=')[1]);
    expect(ticket).not.toBe(token);
    await t.http.get('/admin/queues').set('Cookie', `perks_queue_dashboard=${ticket}`).expect(401);
  });

  it('marks both dashboard cookies Secure when the request came over HTTPS, and only then', async () => {
    const cookieOf = (res: { headers: Record<string, unknown> }) => (res.headers['set-cookie'] as string[])[0];
    const overHttps = await t.http.post('/admin/queue-dashboard/session').set('Authorization', admin).set('X-Forwarded-Proto', 'https').expect(200);
    expect(cookieOf(overHttps)).toMatch(/; Secure/);
    expect(cookieOf(await t.http.get(overHttps.body.url).set('X-Forwarded-Proto', 'https').expect(303))).toMatch(/; Secure/);
    const overHttp = await t.http.post('/admin/queue-dashboard/session').set('Authorization', admin).expect(200);
    expect(cookieOf(overHttp)).not.toMatch(/Secure/);
  });

  it('opens one session per ticket: a link used once (or copied from a log) opens nothing again', async () => {
    const session = await t.http.post('/admin/queue-dashboard/session').set('Authorization', admin).expect(200);
    await t.http.get(session.body.url).expect(303);
    const again = await t.http.get(session.body.url).expect(401);
    expect(again.headers['set-cookie']).toBeUndefined();
    // Every ticket is its own, even two minted in the same second.
    const [a, b] = await Promise.all([1, 2].map(() => t.http.post('/admin/queue-dashboard/session').set('Authorization', admin).expect(200)));
    expect(a.body.url).not.toBe(b.body.url);
    await t.http.get(b.body.url).expect(303);
  });

  it('takes changes made with the session cookie from the dashboard’s own origin only', async () => {
    const session = await t.http.post('/admin/queue-dashboard/session').set('Authorization', admin).expect(200);
    const cookie = (session.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    const clean = (origin?: string) => {
      const call = t.http.put('/admin/queues/api/queues/fulfillment/clean/failed').set('Cookie', cookie).set('Host', 'perks.test');
      return origin ? call.set('Origin', origin) : call;
    };
    const foreign = await clean('http://perks.test:9999').expect(403);
    expect(foreign.body.code).toBe('FORBIDDEN');
    await clean('http://perks.test').expect(200);
    await clean().expect(200);
  });
});
