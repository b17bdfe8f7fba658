import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import { createBrand, TestApp } from '@app/testing';
import { ClaimRoute } from '../src/claims/claim-route';
import { createCampaignServiceApp } from './app';
import { insertActiveCampaign, insertMembers, Member, offer } from './claims/claims-fixtures';

/**
 * The lean claim route answers exactly as Express and Nest's pipeline would. A browser's
 * cross-origin request (an Origin header) always goes through Express, so every case is sent
 * twice — as an API client sends it and with an Origin — and both answers must agree.
 */
describe('claim route ahead of Express (e2e)', () => {
  let t: TestApp;
  let handled: jest.SpyInstance;

  beforeAll(async () => {
    t = await createCampaignServiceApp({ env: { RATE_LIMIT_CLAIM: '3', RATE_LIMIT_IP: '0', RATE_LIMIT_ACCOUNT: '0' } });
    handled = jest.spyOn(t.app.get(ClaimRoute) as unknown as { claim: () => Promise<unknown> }, 'claim');
  });
  afterAll(() => t.close());

  interface Sent {
    auth?: string;
    key?: string;
    body?: string;
    contentType?: string;
    path?: string;
    origin?: string;
  }

  function send(campaignId: string, sent: Sent): request.Test {
    const req = t.http.post(sent.path ?? `/campaigns/${campaignId}/claims`).set('Content-Type', sent.contentType ?? 'application/json');
    if (sent.auth) req.set('Authorization', sent.auth);
    if (sent.key) req.set('Idempotency-Key', sent.key);
    if (sent.origin) req.set('Origin', sent.origin);
    return req.send(sent.body ?? JSON.stringify({ acceptDisclosure: true }));
  }

  /** The same request through the lean route and through Express: same status, same body. */
  async function bothWays(campaignId: string, sent: Sent) {
    const before = handled.mock.calls.length;
    const lean = await send(campaignId, sent);
    const leanHandled = handled.mock.calls.length > before;
    const viaExpress = await send(campaignId, { ...sent, origin: 'https://elsewhere.example' });
    expect(handled.mock.calls.length).toBe(before + (leanHandled ? 1 : 0));
    expect({ status: lean.status, body: lean.body }).toEqual({ status: viaExpress.status, body: viaExpress.body });
    return { lean, leanHandled };
  }

  async function member(): Promise<{ m: Member; campaignId: string }> {
    const [m] = await insertMembers(t, 1);
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 5, perMemberLimit: 5 });
    await offer(t.dataSource, campaignId, [m]);
    return { m, campaignId };
  }

  it('answers bad input like the pipeline: invalid JSON, unknown fields, missing key or disclosure, unknown campaign', async () => {
    const cases: [Sent, number, string][] = [
      [{ key: 'k1', body: '{"acceptDisclosure": tru' }, 400, 'VALIDATION_FAILED'],
      [{ key: 'k1', body: '"just a string"' }, 400, 'VALIDATION_FAILED'],
      [{ key: 'k1', body: '' }, 400, 'DISCLOSURE_REQUIRED'],
      [{ key: 'k1', body: JSON.stringify({ acceptDisclosure: true, admin: true }) }, 400, 'VALIDATION_FAILED'],
      // class-transformer drops these two keys unseen; they are unknown fields all the same.
      [{ key: 'k1', body: '{"acceptDisclosure": true, "__proto__": {"admin": true}}' }, 400, 'VALIDATION_FAILED'],
      [{ key: 'k1', body: '{"acceptDisclosure": true, "shippingAddress": {"constructor": 1}}' }, 400, 'VALIDATION_FAILED'],
      [{ key: 'k1', body: JSON.stringify({ acceptDisclosure: 'yes' }) }, 400, 'VALIDATION_FAILED'],
      [{ body: JSON.stringify({ acceptDisclosure: true }) }, 400, 'IDEMPOTENCY_KEY_REQUIRED'],
      [{ key: 'k1', body: JSON.stringify({}) }, 400, 'DISCLOSURE_REQUIRED'],
      [{ key: 'k1', path: `/campaigns/${randomUUID()}/claims` }, 404, 'NOT_FOUND'],
      [{ key: 'k1', path: '/campaigns/not-a-uuid/claims' }, 404, 'NOT_FOUND'],
    ];
    for (const [sent, status, code] of cases) {
      // A member per case: the claim rate limit counts every request.
      const { m, campaignId } = await member();
      const { lean, leanHandled } = await bothWays(campaignId, { ...sent, auth: m.auth });
      expect(leanHandled).toBe(true);
      expect(lean.status).toBe(status);
      expect(lean.body.code).toBe(code);
    }
  });

  it('accepts, replays the Idempotency-Key through either path, and sets the usual headers', async () => {
    const { m, campaignId } = await member();
    const first = await send(campaignId, { auth: m.auth, key: 'same' }).set('X-Request-Id', 'trace-123').expect(201);
    expect(first.headers['x-request-id']).toBe('trace-123');
    expect(first.headers['x-content-type-options']).toBe('nosniff');
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(first.body).toEqual({ id: expect.any(String), campaignId, status: 'pending', createdAt: expect.any(String) });
    const { lean } = await bothWays(campaignId, { auth: m.auth, key: 'same' });
    expect(lean.body).toEqual(first.body);
  });

  it('counts the per-member claim limit across both paths and answers 429 with Retry-After', async () => {
    const { m, campaignId } = await member();
    await send(campaignId, { auth: m.auth, key: 'r1' }).expect(201);
    await send(campaignId, { auth: m.auth, key: 'r2', origin: 'https://elsewhere.example' }).expect(201);
    await send(campaignId, { auth: m.auth, key: 'r3' }).expect(201);
    // Compared field by field: the seconds left may tick between the two answers.
    for (const origin of [undefined, 'https://elsewhere.example']) {
      const refused = await send(campaignId, { auth: m.auth, key: 'r4', origin }).expect(429);
      expect(refused.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED', message: 'Too many requests; retry later', details: { limit: 'claim' } });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    }
    // The limiter's verdict comes first even when the claim would be refused otherwise, and a
    // limited claim (whose reads ran meanwhile) reserves and stores nothing.
    const unknown = await send(campaignId, { auth: m.auth, key: 'r5', path: `/campaigns/${randomUUID()}/claims` }).expect(429);
    expect(unknown.body.code).toBe('RATE_LIMITED');
    await send(campaignId, { auth: m.auth, key: 'r6', body: '{}' }).expect(429);
    const [stock] = await t.dataSource.query(
      `SELECT c.claimed_units AS claimed, (SELECT count(*)::int FROM claims WHERE campaign_id = c.id) AS stored FROM campaigns c WHERE c.id = $1`,
      [campaignId],
    );
    expect(stock).toEqual({ claimed: 3, stored: 3 });
  });

  it("answers an erased member's token 401 whatever the claim would have been: refusal, bad input, replay or new claim", async () => {
    const draftId = await insertActiveCampaign(t.dataSource, { status: 'draft' });
    const cases: Sent[] = [
      { key: 'gone', path: `/campaigns/${randomUUID()}/claims` },
      { key: 'gone', path: `/campaigns/${draftId}/claims` },
      { key: 'gone', body: JSON.stringify({ acceptDisclosure: 'yes' }) },
      { key: 'gone', body: JSON.stringify({}) },
      { body: JSON.stringify({ acceptDisclosure: true }) },
      { key: 'before' },
      { key: 'gone' },
    ];
    for (const sent of cases) {
      // A member per case: the claim rate limit (3) counts every request.
      const { m, campaignId } = await member();
      await send(campaignId, { auth: m.auth, key: 'before' }).expect(201);
      await t.http.delete('/me').set('Authorization', m.auth).expect(204);
      const { lean, leanHandled } = await bothWays(campaignId, { auth: m.auth, ...sent });
      expect(leanHandled).toBe(true);
      expect({ sent, status: lean.status, code: lean.body.code }).toEqual({ sent, status: 401, code: 'UNAUTHORIZED' });
    }
  });

  it('still decides the claim of a client that left right after sending it, as Express does, and logs no error', async () => {
    const { m, campaignId } = await member();
    const route = t.app.get(ClaimRoute) as unknown as { parseBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> };
    const parseBody = route.parseBody.bind(route);
    // The body arrived whole, then the connection went (a client timeout, a closed tab): the
    // socket no longer knows its peer's address, which the per-IP limit reads next.
    jest.spyOn(route, 'parseBody').mockImplementationOnce(async (req, res) => {
      const body = await parseBody(req, res);
      req.socket.destroy();
      return body;
    });
    const errors = jest.spyOn(Logger.prototype, 'error');
    try {
      await expect(send(campaignId, { auth: m.auth, key: 'left' })).rejects.toThrow(/socket hang up|ECONNRESET/);
      let stored = 0;
      for (let tries = 0; tries < 50 && !stored; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        [{ stored }] = await t.dataSource.query(`SELECT count(*)::int AS stored FROM claims WHERE member_id = $1 AND idempotency_key = 'left'`, [m.id]);
      }
      expect(stored).toBe(1);
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
    // The replay gets the stored claim.
    await send(campaignId, { auth: m.auth, key: 'left' }).expect(201);
  });

  it('leaves to Express what it does not take: no or bad token, another role, other content types', async () => {
    const brand = (await createBrand(t.http, 'claim-route-brand')).auth;
    // validly signed, but no such account: refused as an invalid token before any role is weighed
    const nobody = `Bearer ${t.app.get(JwtService).sign({ sub: randomUUID(), role: 'brand', brandId: randomUUID() })}`;
    const cases: [Sent, number][] = [
      [{ auth: undefined, key: 'x' }, 401],
      [{ auth: 'Bearer not-a-token', key: 'x' }, 401],
      [{ auth: brand, key: 'x' }, 403],
      [{ auth: nobody, key: 'x' }, 401],
      [{ key: 'x', contentType: 'text/plain', body: 'acceptDisclosure=true' }, 415],
    ];
    for (const [sent, status] of cases) {
      const { m, campaignId } = await member();
      const { lean, leanHandled } = await bothWays(campaignId, { auth: m.auth, ...sent });
      expect(leanHandled).toBe(false);
      expect(lean.status).toBe(status);
    }
  });
});
