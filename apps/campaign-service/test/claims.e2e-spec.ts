import { INestApplicationContext } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { createHmac, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Campaign } from '@app/db';
import { claimGateKeys } from '@app/queue';
import { uuidV7 } from '@app/domain';
import { createWorkerContext, TestApp, waitForLockWaiter, walkPages } from '@app/testing';
import { FulfillmentModule } from '../../fulfillment-service/src/fulfillment.module';
import { ClaimFailureService } from '../../fulfillment-service/src/fulfillment/claim-failure.service';
import { ClaimGateService, GateOutcome } from '../src/claims/claim-gate.service';
import { ClaimLookupsService } from '../src/claims/claim-lookups.service';
import { ClaimRoute } from '../src/claims/claim-route';
import { ClaimWriterService } from '../src/claims/claim-writer.service';
import { createCampaignServiceApp } from './app';
import { adminAuth, campaignFacts, insertActiveCampaign, insertMembers, Member, offer, waitFor } from './claims/claims-fixtures';

const WEBHOOK_SECRET = 'carrier-webhook-secret';
const ADDRESS = { name: 'Ada L', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

describe('claims (e2e)', () => {
  let t: TestApp;
  let worker: INestApplicationContext;
  let admin: string;

  beforeAll(async () => {
    t = await createCampaignServiceApp({
      env: { RATE_LIMIT_IP: '0', RATE_LIMIT_ACCOUNT: '0', RATE_LIMIT_CLAIM: '0', SHIPPING_WEBHOOK_SECRET: WEBHOOK_SECRET },
    });
    worker = await createWorkerContext(FulfillmentModule);
    const [row] = await t.dataSource.query(`SELECT id FROM users WHERE role = 'admin' LIMIT 1`);
    admin = adminAuth(t, row.id);
  });
  afterAll(async () => {
    await worker.close();
    await t.close();
  });

  const claim = (m: Member, campaignId: string, key: string, body: object = { acceptDisclosure: true }) =>
    t.http.post(`/campaigns/${campaignId}/claims`).set('Authorization', m.auth).set('Idempotency-Key', key).send(body);

  async function claimStatus(m: Member, id: string) {
    return waitFor(
      async () => (await t.http.get(`/claims/${id}`).set('Authorization', m.auth).expect(200)).body,
      (body) => body.status !== 'pending',
    );
  }

  it('accepts a claim, replays its Idempotency-Key, and fulfils it with a code', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 3 });
    const [m] = await insertMembers(t, 1);
    await offer(t.dataSource, campaignId, [m]);

    const first = await claim(m, campaignId, 'key-1').expect(201);
    expect(first.body).toEqual({ id: expect.any(String), campaignId, status: 'pending', createdAt: expect.any(String) });
    // Time-ordered (UUIDv7), as the column default makes them too: its first 48 bits are the creation milliseconds.
    const [{ byDefault }] = await t.dataSource.query(`SELECT uuid_v7()::text AS "byDefault"`);
    for (const id of [first.body.id, byDefault]) {
      expect(id[14]).toBe('7');
      expect(Math.abs(parseInt(id.replace(/-/g, '').slice(0, 12), 16) - Date.parse(first.body.createdAt))).toBeLessThan(60_000);
    }
    const replay = await claim(m, campaignId, 'key-1').expect(201);
    expect(replay.body).toEqual(first.body);
    await claim(m, campaignId, 'key-2').expect(409).expect((res) => expect(res.body.code).toBe('CLAIM_LIMIT_REACHED'));

    const done = await claimStatus(m, first.body.id);
    expect(done).toEqual({
      id: first.body.id,
      campaignId,
      perkTitle: 'A perk',
      status: 'fulfilled',
      fulfillment: { code: expect.stringMatching(/^CODE-/) },
      createdAt: first.body.createdAt,
      fulfilledAt: expect.any(String),
    });
    const mine = await t.http.get('/me/claims').set('Authorization', m.auth).expect(200);
    expect(mine.body).toEqual({ items: [done], nextCursor: null });
    // The perk's title stays on the claim once the campaign has ended (GET /me/perks lists live perks only).
    await t.dataSource.query(`UPDATE campaigns SET status = 'ended' WHERE id = $1`, [campaignId]);
    expect((await t.http.get('/me/claims').set('Authorization', m.auth).expect(200)).body.items).toEqual([done]);
    expect((await campaignFacts(t.dataSource, campaignId)).claimed_units).toBe(1);
  });

  it('pages admin claims without skipping claims committed together (one timestamp, finer than a millisecond)', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 5 });
    const members = await insertMembers(t, 5);
    await t.dataSource.query(
      `INSERT INTO claims (campaign_id, member_id, idempotency_key, status, disclosure_accepted_at, created_at)
       SELECT $1, m, 'same-batch', 'cancelled', now(), date_trunc('second', now()) + interval '123456 microseconds'
       FROM unnest($2::uuid[]) AS m`,
      [campaignId, members.map((m) => m.id)],
    );
    const seen = await walkPages(t.http, `/admin/claims?campaignId=${campaignId}`, admin, 'id');
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it("logs each claim's answer with the member's id and, for a refusal, its code", async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 1 });
    const [a] = await insertMembers(t, 1);
    // The suites log nothing: the route is told info is on, and its line is caught.
    const pino = (t.app.get(ClaimRoute) as unknown as { logger: PinoLogger }).logger.logger;
    const enabled = jest.spyOn(pino, 'isLevelEnabled').mockReturnValue(true);
    const info = jest.spyOn(PinoLogger.prototype, 'info').mockImplementation(() => undefined);
    try {
      const answer = await claim(a, campaignId, 'logged').set('X-Request-Id', 'claim-log-1');
      expect(answer.body.code).toBe('NOT_ELIGIBLE');
      const line = info.mock.calls.find(([fields]) => (fields as { req?: { id?: string } }).req?.id === 'claim-log-1');
      expect(line?.[0]).toMatchObject({ userId: a.id, errorCode: 'NOT_ELIGIBLE' });
    } finally {
      info.mockRestore();
      enabled.mockRestore();
    }
  });

  it('refuses with the exact codes of the contract', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 1 });
    const [a, b, stranger] = await insertMembers(t, 3);
    await offer(t.dataSource, campaignId, [a, b]);

    const noKey = await t.http.post(`/campaigns/${campaignId}/claims`).set('Authorization', a.auth).send({ acceptDisclosure: true });
    expect(noKey.status).toBe(400);
    expect(noKey.body.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    const longKey = await claim(a, campaignId, 'x'.repeat(201)).expect(400);
    expect(longKey.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'Idempotency-Key' })] });
    await claim(a, campaignId, 'k', {}).expect(400).expect((res) => expect(res.body.code).toBe('DISCLOSURE_REQUIRED'));
    await claim(a, campaignId, 'k', { acceptDisclosure: false }).expect(400).expect((res) => expect(res.body.code).toBe('DISCLOSURE_REQUIRED'));
    await claim(a, campaignId, 'k', { acceptDisclosure: true, extra: 1 }).expect(400).expect((res) => expect(res.body.code).toBe('VALIDATION_FAILED'));

    const denied = await claim(stranger, campaignId, 'k').expect(403);
    expect(denied.body.code).toBe('NOT_ELIGIBLE');
    expect(denied.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ rule: expect.any(String) })]));

    await claim(a, '00000000-0000-4000-8000-000000000000', 'k').expect(404);
    await claim(a, 'not-a-uuid', 'k').expect(404);

    const paused = await insertActiveCampaign(t.dataSource, { status: 'paused' });
    const accepted = await claim(a, campaignId, 'k').expect(201);
    await claim(b, campaignId, 'k').expect(409).expect((res) => expect(res.body.code).toBe('SOLD_OUT'));
    // The same key replayed returns the first response, whatever body it carries now; on another campaign it is refused as ever.
    for (const body of [{}, { acceptDisclosure: false }]) expect((await claim(a, campaignId.toUpperCase(), 'k', body).expect(201)).body).toEqual(accepted.body);
    await claim(a, paused, 'k', {}).expect(400).expect((res) => expect(res.body.code).toBe('DISCLOSURE_REQUIRED'));

    await offer(t.dataSource, paused, [a]);
    await claim(a, paused, 'p').expect(409).expect((res) => expect(res.body.code).toBe('CAMPAIGN_NOT_ACTIVE'));

    const frozen = await insertActiveCampaign(t.dataSource);
    await t.dataSource.query(`UPDATE campaigns SET claims_frozen = true WHERE id = $1`, [frozen]);
    await offer(t.dataSource, frozen, [a]);
    await claim(a, frozen, 'f').expect(409).expect((res) => expect(res.body.code).toBe('CAMPAIGN_NOT_ACTIVE'));

    const other = await insertActiveCampaign(t.dataSource);
    await offer(t.dataSource, other, [a]);
    await claim(a, other, 'k').expect(422).expect((res) => expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED'));

    // Another role: 403; a token naming the member as admin names no account as it is: 401.
    await t.http.post(`/campaigns/${campaignId}/claims`).set('Authorization', admin).set('Idempotency-Key', 'z').send({ acceptDisclosure: true }).expect(403);
    await t.http.post(`/campaigns/${campaignId}/claims`).set('Authorization', adminAuth(t, a.id)).set('Idempotency-Key', 'z').send({ acceptDisclosure: true }).expect(401);
  });

  it('refuses claims from an erased account whose access token has not expired, and stores nothing', async () => {
    const experience = await insertActiveCampaign(t.dataSource, { kind: 'experience', totalUnits: 5, perMemberLimit: 5 });
    const physical = await insertActiveCampaign(t.dataSource, { kind: 'physical', totalUnits: 5 });
    const neverOffered = await insertActiveCampaign(t.dataSource, { kind: 'experience', totalUnits: 5 });
    const [m] = await insertMembers(t, 1);
    await offer(t.dataSource, experience, [m]);
    await offer(t.dataSource, physical, [m]);
    await claim(m, experience, 'before').expect(201);
    await t.http.delete('/me').set('Authorization', m.auth).expect(204);

    // The token answers 401 on every route, a replay of its earlier claim included; a new claim (which would store
    // personal data again) is refused as PUT /me/profile is. The earlier claim stays, without identity.
    expect((await claim(m, experience, 'before').expect(401)).body.code).toBe('UNAUTHORIZED');
    for (const [campaignId, body] of [
      [experience, { acceptDisclosure: true }],
      [physical, { acceptDisclosure: true, shippingAddress: ADDRESS }],
      // the account answers before the rules (its profile and scores are gone: NOT_ELIGIBLE otherwise)
      [neverOffered, { acceptDisclosure: true }],
    ] as const) {
      const refused = await claim(m, campaignId, 'after', body).expect(401);
      expect(refused.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
      // Kept for the key like any refusal of the claim: every copy and replay gets it.
      expect((await claim(m, campaignId, 'after', body).expect(401)).body).toEqual(refused.body);
    }
    // Without an abuse rule to read the account first, the writer refuses on both of its paths.
    const writer = t.app.get(ClaimWriterService);
    for (const slotHint of [2, null]) {
      const write = { id: randomUUID(), campaignId: experience, memberId: m.id, idempotencyKey: `w-${slotHint}`, createdAt: new Date(), slotHint };
      expect(await writer.write({ ...write, shippingAddress: null })).toEqual({ kind: 'refuse', code: 'UNAUTHORIZED' });
    }
    expect(await t.dataSource.query(`SELECT campaign_id FROM claims WHERE member_id = $1`, [m.id])).toEqual([{ campaign_id: experience }]);
    expect(await campaignFacts(t.dataSource, experience)).toMatchObject({ claimed_units: 1, live: 1 });
  });

  it('answers the claims a batch committed on its fast path as stored, though its locked path then failed', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 5 });
    const [a, b] = await insertMembers(t, 2);
    await offer(t.dataSource, campaignId, [a, b]);
    const writer = t.app.get(ClaimWriterService);
    // e.g. the pool had no connection left for the locked path's transaction
    const locked = jest.spyOn(writer as unknown as { writeLocked: () => Promise<unknown> }, 'writeLocked').mockRejectedValueOnce(new Error('timeout exceeded when trying to connect'));
    const write = (m: Member, slotHint: number | null) => ({ id: uuidV7(), campaignId, memberId: m.id, idempotencyKey: 'batch', createdAt: new Date(), slotHint, shippingAddress: null });
    // One batch: submitted in the same turn of the event loop.
    const [fast, slow] = await Promise.allSettled([writer.write(write(a, 1)), writer.write(write(b, null))]);
    locked.mockRestore();
    expect(fast).toEqual({ status: 'fulfilled', value: { kind: 'accept', slot: 1 } });
    expect(slow).toMatchObject({ status: 'rejected', reason: { message: 'timeout exceeded when trying to connect' } });
    expect(await campaignFacts(t.dataSource, campaignId)).toMatchObject({ claimed_units: 1, live: 1 });
  });

  it('refuses an offered member whose profile stopped meeting the campaign, before matching withdraws the offer', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 5 });
    await t.dataSource.query(`UPDATE campaigns SET eligibility = '{"provider":"klout","minScore":101,"countries":["US"],"minAge":18}' WHERE id = $1`, [campaignId]);
    const [moved, optedOut, kept] = await insertMembers(t, 3);
    await offer(t.dataSource, campaignId, [moved, optedOut, kept]);
    const profile = (m: Member, body: object) => t.http.put('/me/profile').set('Authorization', m.auth).send({ birthDate: '1990-01-01', ...body }).expect(200);
    await profile(moved, { country: 'FR', optedIn: true });
    await profile(optedOut, { country: 'US', optedIn: false });
    await profile(kept, { country: 'US', optedIn: true });

    // No matching worker runs here: the offers are all still there, and the score rule (101) is settled by them.
    const refused = await claim(moved, campaignId, 'moved').expect(403);
    expect(refused.body).toMatchObject({ code: 'NOT_ELIGIBLE', details: [{ rule: 'country', required: ['US'], actual: 'FR' }] });
    expect((await claim(optedOut, campaignId, 'opted-out').expect(403)).body.details).toEqual([expect.objectContaining({ rule: 'optedIn' })]);
    await claim(kept, campaignId, 'kept').expect(201);
    const why = await t.http.get(`/me/perks/${campaignId}/eligibility`).set('Authorization', moved.auth).expect(200);
    expect(why.body).toEqual({ eligible: false, reasons: [{ rule: 'country', required: ['US'], actual: 'FR' }] });
    expect((await t.http.get(`/me/perks/${campaignId}/eligibility`).set('Authorization', kept.auth).expect(200)).body).toEqual({ eligible: true, reasons: [] });
  });

  it('lets a member hold up to perMemberLimit claims', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 10, perMemberLimit: 2 });
    const [m] = await insertMembers(t, 1);
    await offer(t.dataSource, campaignId, [m]);
    await claim(m, campaignId, 'a').expect(201);
    await claim(m, campaignId, 'b').expect(201);
    await claim(m, campaignId, 'c').expect(409);
    const [slots] = await t.dataSource.query(`SELECT array_agg(member_slot ORDER BY member_slot) AS s FROM claims WHERE campaign_id = $1`, [campaignId]);
    expect(slots.s).toEqual([1, 2]);
  });

  it('replays accepted claims after their campaign sold out, though the gate holds no marker of them', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 3, perMemberLimit: 2 });
    const members = await insertMembers(t, 3);
    await offer(t.dataSource, campaignId, members);
    const firsts = [];
    for (const m of members) firsts.push((await claim(m, campaignId, `sold-${m.id}`).expect(201)).body);
    for (const [i, m] of members.entries()) expect((await claim(m, campaignId, `sold-${m.id}`).expect(201)).body).toEqual(firsts[i]);
    // The markers expired (or Redis lost them): the gate still counts the units, but knows no key.
    const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    const markers = await redis.keys(claimGateKeys(t.redisPrefix, campaignId).idem('*', '*'));
    expect(markers).toHaveLength(3);
    await redis.del(...markers);
    redis.disconnect();
    for (const [i, m] of members.entries()) expect((await claim(m, campaignId, `sold-${m.id}`).expect(201)).body).toEqual(firsts[i]);
    expect((await claim(members[0], campaignId, 'another').expect(409)).body.code).toBe('SOLD_OUT');
  });

  it('hides other members’ claims (404) and lets admins read any', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource);
    const [owner, other] = await insertMembers(t, 2);
    await offer(t.dataSource, campaignId, [owner]);
    const created = await claim(owner, campaignId, 'mine').expect(201);
    await t.http.get(`/claims/${created.body.id}`).set('Authorization', other.auth).expect(404);
    await t.http.get('/claims/not-a-uuid').set('Authorization', other.auth).expect(404);
    await t.http.get(`/claims/${created.body.id}`).set('Authorization', admin).expect(200);
    expect((await t.http.get('/me/claims').set('Authorization', other.auth).expect(200)).body).toEqual({ items: [], nextCursor: null });
  });

  it('issues a unique invitation for an experience perk', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { kind: 'experience', totalUnits: 5 });
    const members = await insertMembers(t, 3);
    await offer(t.dataSource, campaignId, members);
    const ids = await Promise.all(members.map(async (m, i) => (await claim(m, campaignId, `e${i}`).expect(201)).body.id as string));
    const done = await Promise.all(ids.map((id, i) => claimStatus(members[i], id)));
    const invitations = done.map((d) => d.fulfillment.invitation);
    expect(invitations.every((inv) => /^INV-[A-Z2-9]{12}$/.test(inv))).toBe(true);
    expect(new Set(invitations).size).toBe(3);
  });

  it('ships a physical perk through the manual provider; the address never leaves fulfillment', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { kind: 'physical', totalUnits: 5 });
    const [m] = await insertMembers(t, 1);
    await offer(t.dataSource, campaignId, [m]);
    const missing = await claim(m, campaignId, 's0').expect(400);
    expect(missing.body.details).toEqual([expect.objectContaining({ field: 'shippingAddress' })]);
    await claim(m, campaignId, 's1', { acceptDisclosure: true, shippingAddress: { ...ADDRESS, country: 'usa' } }).expect(400);

    const created = await claim(m, campaignId, 's2', { acceptDisclosure: true, shippingAddress: ADDRESS }).expect(201);
    // A replay without the address gets the claim it replays, not a 400.
    expect((await claim(m, campaignId, 's2').expect(201)).body).toEqual(created.body);
    const shipment = await waitFor(
      async () => (await t.http.get(`/admin/claims/${created.body.id}/shipment`).set('Authorization', admin)).body,
      (body) => body.status === 'requested',
    );
    expect(shipment).toMatchObject({ provider: 'manual', status: 'requested', address: ADDRESS });
    const [stored] = await t.dataSource.query(`SELECT shipping_address FROM claims WHERE id = $1`, [created.body.id]);
    expect(stored.shipping_address).toBeNull();

    const shipped = await t.http.post(`/admin/claims/${created.body.id}/ship`).set('Authorization', admin).send({ trackingNumber: '1Z999' }).expect(200);
    expect(shipped.body).toMatchObject({ status: 'fulfilled', fulfillment: { trackingNumber: '1Z999' } });
    await t.http.post(`/admin/claims/${created.body.id}/ship`).set('Authorization', admin).send({ trackingNumber: '1Z999' }).expect(200);
    const other = await t.http.post(`/admin/claims/${created.body.id}/ship`).set('Authorization', admin).send({ trackingNumber: '1Z000' }).expect(409);
    expect(other.body).toMatchObject({ code: 'SHIPMENT_NOT_SHIPPABLE', details: { trackingNumber: '1Z999' } });
    const view = await t.http.get(`/claims/${created.body.id}`).set('Authorization', m.auth).expect(200);
    expect(JSON.stringify(view.body)).not.toContain('Springfield');
    await t.http.post(`/admin/claims/${created.body.id}/ship`).set('Authorization', m.auth).send({ trackingNumber: 'x' }).expect(403);
  });

  it('refuses blank or control characters in address lines, tracking numbers and carriers: 400 naming the field', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { kind: 'physical', totalUnits: 5 });
    const [m] = await insertMembers(t, 1);
    await offer(t.dataSource, campaignId, [m]);
    const fieldsOf = (res: { body: { code: string; details: { field: string }[] } }) => {
      expect(res.body.code).toBe('VALIDATION_FAILED');
      return res.body.details.map((d) => d.field);
    };
    // and text no column stores: a lone UTF-16 surrogate (it was a 503 "try again", for ever)
    const blanks = ['   ', '\t', 'a\nb\u0007', ' \u007f ', 'a\u0085b', 'a\ud800b'];
    for (const [i, value] of blanks.entries()) {
      for (const field of ['name', 'line1', 'city', 'postalCode']) {
        const res = await claim(m, campaignId, `bad-${field}-${i}`, { acceptDisclosure: true, shippingAddress: { ...ADDRESS, [field]: value } }).expect(400);
        expect(fieldsOf(res)).toEqual([`shippingAddress.${field}`]);
      }
    }
    const allBlank = { ...ADDRESS, name: ' ', line1: ' ', city: ' ', postalCode: ' ' };
    const res = await claim(m, campaignId, 'all-blank', { acceptDisclosure: true, shippingAddress: allBlank }).expect(400);
    expect(fieldsOf(res).sort()).toEqual(['shippingAddress.city', 'shippingAddress.line1', 'shippingAddress.name', 'shippingAddress.postalCode']);
    expect(await t.dataSource.query(`SELECT id FROM claims WHERE member_id = $1`, [m.id])).toEqual([]);

    const id = (await claim(m, campaignId, 'good', { acceptDisclosure: true, shippingAddress: { ...ADDRESS, line2: '' } }).expect(201)).body.id;
    const shipment = await waitFor(
      async () => (await t.http.get(`/admin/claims/${id}/shipment`).set('Authorization', admin)).body,
      (body) => body.status === 'requested',
    );
    const ship = (body: object) => t.http.post(`/admin/claims/${id}/ship`).set('Authorization', admin).send(body);
    const webhook = (body: object) => {
      const raw = JSON.stringify({ shipmentId: shipment.id, status: 'shipped', ...body });
      const signature = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex')}`;
      return t.http.post('/shipping/webhook').set('Content-Type', 'application/json').set('X-Shipping-Signature', signature).send(raw);
    };
    for (const value of blanks) {
      for (const send of [ship, webhook]) {
        expect(fieldsOf(await send({ trackingNumber: value }).expect(400))).toEqual(['trackingNumber']);
        expect(fieldsOf(await send({ trackingNumber: '1Z-OK', carrier: value }).expect(400))).toEqual(['carrier']);
      }
    }
    expect((await t.http.get(`/admin/claims/${id}/shipment`).set('Authorization', admin).expect(200)).body.status).toBe('requested');
    await ship({ trackingNumber: ' 1Z 42 ', carrier: 'UPS Ground' }).expect(200);
  });

  it('ships and cancels the same pending physical claim at once without a deadlock: one wins, the other is refused', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { kind: 'physical', totalUnits: 10 });
    const members = await insertMembers(t, 8);
    await offer(t.dataSource, campaignId, members);
    for (const [i, m] of members.entries()) {
      // an address of its own: one that another account already used is held for review
      const shippingAddress = { ...ADDRESS, line1: `${i + 10} Race Street` };
      const id = (await claim(m, campaignId, `race-${i}`, { acceptDisclosure: true, shippingAddress }).expect(201)).body.id;
      await waitFor(
        async () => (await t.http.get(`/admin/claims/${id}/shipment`).set('Authorization', admin)).body,
        (body) => body.status === 'requested',
      );
      const [ship, cancel] = await Promise.all([
        t.http.post(`/admin/claims/${id}/ship`).set('Authorization', admin).send({ trackingNumber: `1Z${i}` }),
        t.http.post(`/admin/claims/${id}/cancel`).set('Authorization', admin),
      ]);
      // The old lock order (shipment, then claim) deadlocked with cancel's (claim, then shipment): a 500.
      expect([ship.status, cancel.status].sort()).toEqual([200, 409]);
      const final = (await claimStatus(m, id)).status;
      expect(final).toBe(ship.status === 200 ? 'fulfilled' : 'cancelled');
    }
    await t.http.post(`/admin/claims/00000000-0000-4000-8000-000000000000/ship`).set('Authorization', admin).send({ trackingNumber: 'x' }).expect(404);
  });

  it('fails a claim whose code pool is empty, returns its unit, notifies, and lets an admin retry or cancel', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 3, codes: 0 });
    const [a, b] = await insertMembers(t, 2);
    await offer(t.dataSource, campaignId, [a, b]);
    const ca = (await claim(a, campaignId, 'a').expect(201)).body.id;
    const cb = (await claim(b, campaignId, 'b').expect(201)).body.id;
    expect((await claimStatus(a, ca)).status).toBe('failed');
    expect((await claimStatus(b, cb)).status).toBe('failed');
    expect((await campaignFacts(t.dataSource, campaignId)).claimed_units).toBe(0);
    const notes = await t.dataSource.query(`SELECT kind, data FROM notifications WHERE member_id = $1`, [a.id]);
    expect(notes).toEqual([{ kind: 'claim_failed', data: expect.objectContaining({ claimId: ca }) }]);

    const failed = await t.http.get(`/admin/claims?status=failed&campaignId=${campaignId}`).set('Authorization', admin).expect(200);
    expect(failed.body.items.map((c: { id: string }) => c.id).sort()).toEqual([ca, cb].sort());
    expect(failed.body.items[0]).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('empty'), perkKind: 'digital_code' });
    await t.http.get('/admin/claims?status=bogus').set('Authorization', admin).expect(400);
    await t.http.get('/admin/claims').set('Authorization', a.auth).expect(403);

    await t.dataSource.query(`INSERT INTO campaign_codes (campaign_id, code) VALUES ($1, 'LATE-CODE')`, [campaignId]);
    const retried = await t.http.post(`/admin/claims/${ca}/retry`).set('Authorization', admin).expect(200);
    expect(retried.body).toMatchObject({ status: 'pending', fulfillmentRound: 1 });
    expect(await claimStatus(a, ca)).toMatchObject({ status: 'fulfilled', fulfillment: { code: 'LATE-CODE' } });
    await t.http.post(`/admin/claims/${ca}/retry`).set('Authorization', admin).expect(409);

    const cancelled = await t.http.post(`/admin/claims/${cb}/cancel`).set('Authorization', admin).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    await t.http.post(`/admin/claims/${cb}/cancel`).set('Authorization', admin).expect(409);
    expect((await campaignFacts(t.dataSource, campaignId)).claimed_units).toBe(1);

    // A fulfilled claim stays: its code is out, and its unit back in stock would be a unit without a code.
    const delivered = await t.http.post(`/admin/claims/${ca}/cancel`).set('Authorization', admin).expect(409);
    expect(delivered.body.code).toBe('CLAIM_NOT_CANCELLABLE');
    const [code] = await t.dataSource.query(`SELECT claim_id FROM campaign_codes WHERE code = 'LATE-CODE'`);
    expect(code.claim_id).toBe(ca);
    expect(await campaignFacts(t.dataSource, campaignId)).toMatchObject({ claimed_units: 1, fulfilled: 1 });
    // b's cancelled claim holds nothing: b can claim again with a new key.
    await claim(b, campaignId, 'b-again').expect(201);
  });

  it('refuses to retry a failed claim once its member claimed again up to the limit: no second live claim past perMemberLimit', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 3, codes: 0, perMemberLimit: 1 });
    const [m] = await insertMembers(t, 1);
    await offer(t.dataSource, campaignId, [m]);
    const first = (await claim(m, campaignId, 'first').expect(201)).body.id;
    expect((await claimStatus(m, first)).status).toBe('failed');
    // The failure gave the member's slot back: they claim again, and this one is delivered.
    await t.dataSource.query(`INSERT INTO campaign_codes (campaign_id, code) VALUES ($1, 'SECOND-CODE')`, [campaignId]);
    const second = (await claim(m, campaignId, 'second').expect(201)).body.id;
    expect((await claimStatus(m, second)).status).toBe('fulfilled');
    const refused = await t.http.post(`/admin/claims/${first}/retry`).set('Authorization', admin).expect(409);
    expect(refused.body.code).toBe('CLAIM_LIMIT_REACHED');
    expect(await campaignFacts(t.dataSource, campaignId)).toMatchObject({ claimed_units: 1, live: 1, failed: 1 });
  });

  it('ignores a failure reported for an earlier fulfillment round: the retried claim stays pending and keeps its unit', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { kind: 'physical', totalUnits: 2 });
    const [m] = await insertMembers(t, 1);
    await offer(t.dataSource, campaignId, [m]);
    const id = (await claim(m, campaignId, 'parcel', { acceptDisclosure: true, shippingAddress: ADDRESS }).expect(201)).body.id;
    const failures = worker.get(ClaimFailureService, { strict: false });
    expect(await failures.markFailed(id, 0, 'carrier refused the parcel')).toBe(true);
    await t.http.post(`/admin/claims/${id}/retry`).set('Authorization', admin).expect(200);
    // The first round's job reports its failure again (a stalled copy, a retry of a lost answer).
    expect(await failures.markFailed(id, 0, 'carrier refused the parcel')).toBe(false);
    const [row] = await t.dataSource.query(`SELECT status, fulfillment_round FROM claims WHERE id = $1`, [id]);
    expect(row).toEqual({ status: 'pending', fulfillment_round: 1 });
    expect(await campaignFacts(t.dataSource, campaignId)).toMatchObject({ claimed_units: 1, live: 1 });
  });

  it('refuses to retry the failed claim of a member who erased their account: nobody to deliver to, no unit held for ever', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 2, codes: 0 });
    const [m] = await insertMembers(t, 1);
    await offer(t.dataSource, campaignId, [m]);
    const id = (await claim(m, campaignId, 'erased-retry').expect(201)).body.id;
    expect((await claimStatus(m, id)).status).toBe('failed');
    await t.http.delete('/me').set('Authorization', m.auth).expect(204);
    await t.dataSource.query(`INSERT INTO campaign_codes (campaign_id, code) VALUES ($1, 'FOR-NOBODY')`, [campaignId]);
    const refused = await t.http.post(`/admin/claims/${id}/retry`).set('Authorization', admin).expect(409);
    expect(refused.body.code).toBe('CLAIM_NOT_RETRYABLE');
    expect((await campaignFacts(t.dataSource, campaignId)).claimed_units).toBe(0);
  });

  it('keeps an erased member’s claims counted (API.md); a parcel not yet shipped has no address, is refused at the desk and an admin decides', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { kind: 'physical', totalUnits: 5, perMemberLimit: 2 });
    const [m] = await insertMembers(t, 1);
    await offer(t.dataSource, campaignId, [m]);
    const shipmentOf = (id: string) => t.http.get(`/admin/claims/${id}/shipment`).set('Authorization', admin);
    const [shippedId, waitingId] = await Promise.all(
      ['erase-ship-1', 'erase-ship-2'].map(async (key) => {
        const id = (await claim(m, campaignId, key, { acceptDisclosure: true, shippingAddress: ADDRESS }).expect(201)).body.id as string;
        await waitFor(async () => (await shipmentOf(id)).body, (body) => body.status === 'requested');
        return id;
      }),
    );
    await t.http.post(`/admin/claims/${shippedId}/ship`).set('Authorization', admin).send({ trackingNumber: '1Z-BEFORE' }).expect(200);
    await t.http.delete('/me').set('Authorization', m.auth).expect(204);

    // Both still count: one fulfilled, one pending without an address.
    expect((await t.http.get(`/claims/${shippedId}`).set('Authorization', admin).expect(200)).body.status).toBe('fulfilled');
    expect((await t.http.get(`/claims/${waitingId}`).set('Authorization', admin).expect(200)).body.status).toBe('pending');
    expect((await shipmentOf(waitingId).expect(200)).body).toMatchObject({ status: 'requested', address: null });
    expect((await campaignFacts(t.dataSource, campaignId)).claimed_units).toBe(2);
    const refused = await t.http.post(`/admin/claims/${waitingId}/ship`).set('Authorization', admin).send({ trackingNumber: '1Z-AFTER' }).expect(409);
    expect(refused.body.code).toBe('SHIPMENT_NOT_SHIPPABLE');
    // The admin cancels it: its unit returns to stock.
    await t.http.post(`/admin/claims/${waitingId}/cancel`).set('Authorization', admin).expect(200);
    expect((await campaignFacts(t.dataSource, campaignId)).claimed_units).toBe(1);
  });

  it('refuses to ship a requested shipment left without an address: nobody to ship to', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { kind: 'physical', totalUnits: 5 });
    const [m] = await insertMembers(t, 1);
    await offer(t.dataSource, campaignId, [m]);
    const id = (await claim(m, campaignId, 'no-address', { acceptDisclosure: true, shippingAddress: ADDRESS }).expect(201)).body.id as string;
    await waitFor(async () => (await t.http.get(`/admin/claims/${id}/shipment`).set('Authorization', admin)).body, (body) => body.status === 'requested');
    // What an erasure leaves.
    await t.dataSource.query(`UPDATE shipments SET address = NULL WHERE claim_id = $1`, [id]);
    const refused = await t.http.post(`/admin/claims/${id}/ship`).set('Authorization', admin).send({ trackingNumber: '1Z-NOBODY' }).expect(409);
    expect(refused.body.code).toBe('SHIPMENT_NOT_SHIPPABLE');
  });

  it('requests a retried physical claim’s shipment again (manual provider); cancelling a failed one drops the address it kept', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { kind: 'physical', totalUnits: 5 });
    const members = await insertMembers(t, 2);
    await offer(t.dataSource, campaignId, members);
    const shipmentOf = (id: string) => t.http.get(`/admin/claims/${id}/shipment`).set('Authorization', admin);
    const [retriedId, cancelledId] = await Promise.all(
      members.map(async (m, i) => {
        const shippingAddress = { ...ADDRESS, line1: `${i + 30} Retry Road` };
        const id = (await claim(m, campaignId, `retry-${i}`, { acceptDisclosure: true, shippingAddress }).expect(201)).body.id as string;
        await waitFor(async () => (await shipmentOf(id)).body, (body) => body.status === 'requested');
        // What the job's last failed attempt does (e.g. PostgreSQL unreachable throughout).
        expect(await worker.get(ClaimFailureService, { strict: false }).markFailed(id, 0, 'database unavailable')).toBe(true);
        return id;
      }),
    );
    expect((await shipmentOf(retriedId).expect(200)).body).toMatchObject({ status: 'cancelled', address: { ...ADDRESS, line1: '30 Retry Road' } });
    const early = await t.http.post(`/admin/claims/${retriedId}/ship`).set('Authorization', admin).send({ trackingNumber: '1Z-EARLY' }).expect(409);
    expect(early.body.code).toBe('SHIPMENT_NOT_SHIPPABLE');

    await t.http.post(`/admin/claims/${retriedId}/retry`).set('Authorization', admin).expect(200);
    const reopened = await waitFor(async () => (await shipmentOf(retriedId)).body, (body) => body.status === 'requested');
    expect(reopened).toMatchObject({ provider: 'manual', status: 'requested', address: { ...ADDRESS, line1: '30 Retry Road' } });
    const shipped = await t.http.post(`/admin/claims/${retriedId}/ship`).set('Authorization', admin).send({ trackingNumber: '1Z-RETRY' }).expect(200);
    expect(shipped.body).toMatchObject({ status: 'fulfilled', fulfillmentRound: 1, fulfillment: { trackingNumber: '1Z-RETRY' } });

    // A cancelled claim is never retried: its shipment keeps no address.
    await t.http.post(`/admin/claims/${cancelledId}/cancel`).set('Authorization', admin).expect(200);
    expect((await shipmentOf(cancelledId).expect(200)).body).toMatchObject({ status: 'cancelled', address: null });
    expect(await campaignFacts(t.dataSource, campaignId)).toMatchObject({ claimed_units: 1, fulfilled: 1 });
  });

  it('does not retry a failed claim once its campaign has ended: the unit it gave back was refunded', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 2, codes: 0 });
    const [m] = await insertMembers(t, 1);
    await offer(t.dataSource, campaignId, [m]);
    const id = (await claim(m, campaignId, 'k').expect(201)).body.id;
    expect((await claimStatus(m, id)).status).toBe('failed');
    await t.dataSource.query(`UPDATE campaigns SET status = 'ended', ended_at = now() WHERE id = $1`, [campaignId]);
    await t.dataSource.query(`INSERT INTO campaign_codes (campaign_id, code) VALUES ($1, 'TOO-LATE')`, [campaignId]);
    const refused = await t.http.post(`/admin/claims/${id}/retry`).set('Authorization', admin).expect(409);
    expect(refused.body.code).toBe('CLAIM_NOT_RETRYABLE');
    expect(await campaignFacts(t.dataSource, campaignId)).toMatchObject({ claimed_units: 0, failed: 1 });
  });

  it('fulfils a shipment reported by the carrier’s signed webhook, once', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { kind: 'physical', totalUnits: 2 });
    const [m] = await insertMembers(t, 1);
    await offer(t.dataSource, campaignId, [m]);
    const created = await claim(m, campaignId, 'w', { acceptDisclosure: true, shippingAddress: ADDRESS }).expect(201);
    const shipment = await waitFor(
      async () => (await t.http.get(`/admin/claims/${created.body.id}/shipment`).set('Authorization', admin)).body,
      (body) => body.status === 'requested',
    );
    const body = JSON.stringify({ shipmentId: shipment.id, status: 'shipped', trackingNumber: 'TRK-42', carrier: 'ups' });
    const sign = (raw: string, secret = WEBHOOK_SECRET) => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
    const send = (raw: string, signature: string) =>
      t.http.post('/shipping/webhook').set('Content-Type', 'application/json').set('X-Shipping-Signature', signature).send(raw);

    await send(body, sign(body, 'wrong-secret')).expect(400).expect((res) => expect(res.body.code).toBe('SHIPPING_SIGNATURE_INVALID'));
    await send(body, 'sha256=zz').expect(400);
    // The signature comes first: an unsigned caller is not told what the body should hold.
    const junk = JSON.stringify({ hello: 'carrier?' });
    await send(junk, 'sha256=00').expect(400).expect((res) => expect(res.body).toMatchObject({ code: 'SHIPPING_SIGNATURE_INVALID' }));
    await send(junk, sign(junk)).expect(400).expect((res) => expect(res.body.code).toBe('VALIDATION_FAILED'));
    await send(body, sign(body)).expect(200);
    await send(body, sign(body)).expect(200);
    const view = await t.http.get(`/claims/${created.body.id}`).set('Authorization', m.auth).expect(200);
    expect(view.body).toMatchObject({ status: 'fulfilled', fulfillment: { trackingNumber: 'TRK-42' } });
    const unknown = JSON.stringify({ shipmentId: '00000000-0000-4000-8000-000000000000', status: 'shipped', trackingNumber: 'x' });
    await send(unknown, sign(unknown)).expect(404);
  });

  it('follows a pause and resume even when nobody refreshed the gate', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 5 });
    const [a, b] = await insertMembers(t, 2);
    await offer(t.dataSource, campaignId, [a, b]);
    await claim(a, campaignId, 'before').expect(201);
    await t.dataSource.query(`UPDATE campaigns SET status = 'paused' WHERE id = $1`, [campaignId]);
    await claim(b, campaignId, 'paused').expect(409).expect((res) => expect(res.body.code).toBe('CAMPAIGN_NOT_ACTIVE'));
    await t.dataSource.query(`UPDATE campaigns SET status = 'active' WHERE id = $1`, [campaignId]);
    await claim(b, campaignId, 'resumed').expect(201);
  });

  it('replays a refusal as first answered, though stock came back or the campaign opened; a new key is decided afresh', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { kind: 'experience', totalUnits: 1 });
    const [a, b] = await insertMembers(t, 2);
    await offer(t.dataSource, campaignId, [a, b]);
    await claim(a, campaignId, 'first').expect(201);
    const refused = await claim(b, campaignId, 'late').expect(409);
    expect(refused.body.code).toBe('SOLD_OUT');
    // Stock comes back; the refused request, sent again, still creates nothing.
    await t.http
      .post(`/admin/campaigns/${campaignId}/inventory-adjustments`)
      .set('Authorization', admin)
      .send({ delta: 1, reason: 'restock' })
      .expect(201);
    expect((await claim(b, campaignId, 'late').expect(409)).body).toEqual(refused.body);
    const retried = await claim(b, campaignId, 'retry').expect(201);
    // Now b holds a claim, but the replay's first answer was SOLD_OUT, not CLAIM_LIMIT_REACHED.
    expect((await claim(b, campaignId, 'late').expect(409)).body).toEqual(refused.body);
    expect(await campaignFacts(t.dataSource, campaignId)).toMatchObject({ claimed_units: 2, live: 2 });
    expect((await claim(b, campaignId, 'retry').expect(201)).body).toEqual(retried.body);
    // Whatever body the replay carries now, as for an accepted claim: no disclosure is no new question.
    for (const body of [{}, { acceptDisclosure: false }]) expect((await claim(b, campaignId, 'late', body).expect(409)).body).toEqual(refused.body);

    const paused = await insertActiveCampaign(t.dataSource, { status: 'paused' });
    await offer(t.dataSource, paused, [a]);
    const closed = await claim(a, paused, 'early').expect(409);
    await t.dataSource.query(`UPDATE campaigns SET status = 'active' WHERE id = $1`, [paused]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await claim(a, paused, 'early').expect(409)).body).toEqual(closed.body);
    await claim(a, paused, 'open-now').expect(201);
    // A physical perk's refusal, replayed without the address the first request carried.
    const parcel = await insertActiveCampaign(t.dataSource, { kind: 'physical', status: 'paused' });
    await offer(t.dataSource, parcel, [a]);
    const parcelClosed = await claim(a, parcel, 'parcel', { acceptDisclosure: true, shippingAddress: ADDRESS }).expect(409);
    expect((await claim(a, parcel, 'parcel').expect(409)).body).toEqual(parcelClosed.body);
    // A request refused for its form (no disclosure) was not an answer to the claim: the key stays free.
    const fresh = await insertActiveCampaign(t.dataSource);
    await offer(t.dataSource, fresh, [b]);
    await claim(b, fresh, 'form', {}).expect(400);
    await claim(b, fresh, 'form').expect(201);
  });

  it('gives every copy of one request sent at once the same answer', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 3 });
    const members = await insertMembers(t, 8);
    await offer(t.dataSource, campaignId, members);
    // Each member sends two requests (keys) four times each at once, racing the others for three
    // units: a copy may meet the stock gone or the member's other request taken.
    const sent = members.flatMap((m) => ['one', 'two'].flatMap((key) => Array.from({ length: 4 }, () => ({ key: `${key}-${m.id}`, m }))));
    const answers = await Promise.all(sent.map(({ key, m }) => claim(m, campaignId, key)));
    const byKey = new Map<string, unknown[]>();
    sent.forEach(({ key }, i) => byKey.set(key, [...(byKey.get(key) ?? []), { status: answers[i].status, body: answers[i].body }]));
    for (const copies of byKey.values()) for (const copy of copies) expect(copy).toEqual(copies[0]);
    expect(await campaignFacts(t.dataSource, campaignId)).toMatchObject({ claimed_units: 3, live: 3 });
  });

  it('answers a copy refused while another copy of the request is being written as that copy ends', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 5, perMemberLimit: 5 });
    // Not offered: every copy sent now is refused NOT_ELIGIBLE before the gate (e.g. one re-scored meanwhile got in).
    const [m] = await insertMembers(t, 1);
    const gate = t.app.get(ClaimGateService);
    const inFlight = async (key: string) => {
      const reserved = { id: uuidV7(), campaignId, createdAt: new Date().toISOString() };
      const outcome = await gate.reserve(campaignId, m.id, key, reserved);
      expect(outcome.kind).toBe('ok');
      return { reserved, epoch: (outcome as { epoch: string }).epoch };
    };
    const written = await inFlight('copy');
    setTimeout(() => void gate.committed([{ campaignId, memberId: m.id, idempotencyKey: 'copy', claim: written.reserved }]), 100);
    expect((await claim(m, campaignId, 'copy').expect(201)).body).toEqual({ ...written.reserved, status: 'pending' });

    // The copy in flight is refused instead and lets its key go: the refusal here becomes the answer.
    const released = await inFlight('copy-2');
    setTimeout(() => void gate.settle(campaignId, m.id, 'copy-2', released.epoch, 'release'), 100);
    const refused = await claim(m, campaignId, 'copy-2').expect(403);
    expect(refused.body.code).toBe('NOT_ELIGIBLE');
    await offer(t.dataSource, campaignId, [m]);
    expect((await claim(m, campaignId, 'copy-2').expect(403)).body).toEqual(refused.body);
  });

  it('decides afresh the keys of claims a process reserved and died before storing; their members and units are not held', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 3, perMemberLimit: 1 });
    const [a, b, c] = await insertMembers(t, 3);
    await offer(t.dataSource, campaignId, [a, b, c]);
    const gate = t.app.get(ClaimGateService);
    // What a campaign-service killed between the gate's reservation and the commit leaves in Redis.
    const abandon = async (m: Member, key: string, ageMs: number) => {
      const reserved = { id: uuidV7(), campaignId, createdAt: new Date(Date.now() - ageMs).toISOString() };
      expect((await gate.reserve(campaignId, m.id, key, reserved)).kind).toBe('ok');
      return reserved;
    };
    const lost = await abandon(a, 'lost', 60_000);
    await abandon(b, 'lost-too', 60_000);
    // Still within a request's time: the first request may yet be writing it.
    await abandon(c, 'young', 0);

    // The retry of a lost claim gets a decision (was 409 CONFLICT for the marker's day) …
    const retried = await claim(a, campaignId, 'lost').expect(201);
    expect(retried.body.id).not.toBe(lost.id);
    expect((await claim(a, campaignId, 'lost').expect(201)).body.id).toBe(retried.body.id);
    // … and a member whose only claim was lost is not at the limit (was CLAIM_LIMIT_REACHED).
    const fresh = await claim(b, campaignId, 'fresh').expect(201);
    await claim(b, campaignId, 'again').expect(409).expect((res) => expect(res.body.code).toBe('CLAIM_LIMIT_REACHED'));
    const young = await claim(c, campaignId, 'young').expect(409);
    expect(young.body).toMatchObject({ code: 'CONFLICT', message: 'A request with this Idempotency-Key is still in progress' });
    // Refused before the gate (never offered): the refusal becomes the lost key's answer.
    const [d] = await insertMembers(t, 1);
    await abandon(d, 'lost-unoffered', 60_000);
    await claim(d, campaignId, 'lost-unoffered').expect(403).expect((res) => expect(res.body.code).toBe('NOT_ELIGIBLE'));

    expect(await campaignFacts(t.dataSource, campaignId)).toMatchObject({ claimed_units: 2, live: 2 });
    const [{ keys }] = await t.dataSource.query(`SELECT array_agg(idempotency_key ORDER BY idempotency_key) AS keys FROM claims WHERE campaign_id = $1`, [campaignId]);
    expect(keys).toEqual(['fresh', 'lost']);
    expect(fresh.body.id).not.toBe(retried.body.id);
  });

  it('drops the refusals it kept for replays when the member erases their account', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 5 });
    const [m] = await insertMembers(t, 1);
    const refused = await claim(m, campaignId, 'not-offered').expect(403);
    expect(refused.body.code).toBe('NOT_ELIGIBLE');
    const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    const pattern = claimGateKeys(t.redisPrefix, campaignId).idem(m.id, '*');
    expect(await redis.keys(pattern)).toHaveLength(1);
    await t.http.delete('/me').set('Authorization', m.auth).expect(204);
    expect(await redis.keys(pattern)).toHaveLength(0);
    redis.disconnect();
  });

  it('answers SOLD_OUT only when PostgreSQL agrees: units the gate holds for claims still being written may come back', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 2 });
    const [a, b, c] = await insertMembers(t, 3);
    await offer(t.dataSource, campaignId, [a, b, c]);
    // Two claims in flight hold both units in the gate, e.g. ones whose Idempotency-Key turns out
    // to be used on another campaign already: the writer refuses them and the gate gets the units back.
    const gate = t.app.get(ClaimGateService);
    const held: GateOutcome[] = [];
    for (const m of [a, b]) held.push(await gate.reserve(campaignId, m.id, 'in-flight', { id: uuidV7(), campaignId, createdAt: new Date().toISOString() }));
    expect(held.map((h) => h.kind)).toEqual(['ok', 'ok']);
    setTimeout(() => void gate.settle(campaignId, a.id, 'in-flight', (held[0] as { epoch: string }).epoch, 'release'), 50);

    // Any spelling of the campaign id is the campaign.
    const taken = await claim(c, campaignId.toUpperCase(), 'fresh').expect(201);
    expect(taken.body.campaignId).toBe(campaignId);
    await claim(a, campaignId, 'real').expect(201);
    const refused = await claim(b, campaignId, 'late').expect(409);
    expect(refused.body.code).toBe('SOLD_OUT');
    expect(await campaignFacts(t.dataSource, campaignId)).toMatchObject({ claimed_units: 2, live: 2 });
  });

  it('refuses sold-out and over-limit claims at the gate: a flood of them never reaches the claim writer', async () => {
    const soldOut = await insertActiveCampaign(t.dataSource, { totalUnits: 1, perMemberLimit: 1 });
    const limited = await insertActiveCampaign(t.dataSource, { totalUnits: 5, perMemberLimit: 1 });
    const [a, b] = await insertMembers(t, 2);
    await offer(t.dataSource, soldOut, [a, b]);
    await offer(t.dataSource, limited, [a]);
    await claim(a, soldOut, 'last-unit').expect(201);
    await claim(a, limited, 'first').expect(201);
    const write = jest.spyOn(t.app.get(ClaimWriterService), 'write');
    try {
      // A bot hammering a sold-out perk, or a member past the limit, must cost no PostgreSQL write
      // (each would lock the hot campaign row): the gate answers them alone.
      for (let i = 0; i < 3; i++) {
        expect((await claim(b, soldOut, `late-${i}`).expect(409)).body.code).toBe('SOLD_OUT');
        expect((await claim(a, limited, `again-${i}`).expect(409)).body.code).toBe('CLAIM_LIMIT_REACHED');
      }
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });

  it('has PostgreSQL refuse what a stale gate lets through: no unit past the total, no member slot past the limit', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 2, perMemberLimit: 1 });
    const [a, b, c] = await insertMembers(t, 3);
    await offer(t.dataSource, campaignId, [a, b, c]);
    await claim(a, campaignId, 'first').expect(201);
    // The gate believes in more stock and a higher limit than the campaign row (e.g. a reload that
    // read the row just before an inventory cut and wrote just after its refresh).
    const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      await redis.hset(claimGateKeys(t.redisPrefix, campaignId).state, { total: 10, limit: 5 });
      const over = await claim(a, campaignId, 'second').expect(409);
      expect(over.body.code).toBe('CLAIM_LIMIT_REACHED');
      await claim(b, campaignId, 'b').expect(201);
      const oversold = await claim(c, campaignId, 'c').expect(409);
      expect(oversold.body.code).toBe('SOLD_OUT');
    } finally {
      redis.disconnect();
    }
    expect(await campaignFacts(t.dataSource, campaignId)).toMatchObject({ claimed_units: 2, live: 2, members: 2 });
    const [slots] = await t.dataSource.query(`SELECT max(member_slot) AS top FROM claims WHERE campaign_id = $1`, [campaignId]);
    expect(slots.top).toBe(1);
  });

  it('gives the gate its unit and member slot back when PostgreSQL refuses a claim the gate admitted', async () => {
    const elsewhere = await insertActiveCampaign(t.dataSource, { totalUnits: 5 });
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 1 });
    const [a, b] = await insertMembers(t, 2);
    await offer(t.dataSource, elsewhere, [a]);
    await offer(t.dataSource, campaignId, [a, b]);
    await claim(a, elsewhere, 'shared-key').expect(201);
    // The gate admits it (it knows keys per campaign); the writer finds the key used on another campaign.
    await claim(a, campaignId, 'shared-key').expect(422).expect((res) => expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED'));
    const keys = claimGateKeys(t.redisPrefix, campaignId);
    const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      // Not merely healed later: a leaked unit would answer SOLD_OUT while PostgreSQL has it free,
      // whenever the gate was reloaded a moment before.
      expect(await redis.hget(keys.state, 'claimed')).toBe('0');
      expect(await redis.hget(keys.members, a.id)).toBe('0');
    } finally {
      redis.disconnect();
    }
    await claim(b, campaignId, 'b').expect(201);
  });

  it('takes claims as soon as a campaign starts elsewhere, though its row was cached while scheduled', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 5, status: 'scheduled' });
    const [m] = await insertMembers(t, 1);
    await offer(t.dataSource, campaignId, [m]);
    await claim(m, campaignId, 'early').expect(409).expect((res) => expect(res.body.code).toBe('CAMPAIGN_NOT_ACTIVE'));
    // The scheduler (another process) starts it; this process still holds the scheduled row for seconds.
    await t.dataSource.query(`UPDATE campaigns SET status = 'active' WHERE id = $1`, [campaignId]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await claim(m, campaignId, 'on-time').expect(201);
  });

  it('reads a campaign for claims exactly as its repository does', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 7 });
    await t.dataSource.query(
      `UPDATE campaigns SET description = 'd', review_reason = 'r', funding_required_cents = 12345678901, claimed_units = 3, claims_frozen = true
       WHERE id = $1`,
      [campaignId],
    );
    const lookups = t.app.get(ClaimLookupsService);
    lookups.forgetCampaign(campaignId);
    const [read, missing] = await Promise.all([lookups.campaign(campaignId), lookups.campaign(randomUUID())]);
    expect(read).toStrictEqual(await t.dataSource.getRepository(Campaign).findOneBy({ id: campaignId }));
    expect(read?.fundingRequiredCents).toBe(12345678901);
    expect(missing).toBeNull();
  });

  it('refuses a claim whose write meets the campaign ending: no claim lands on an ended campaign after its refund was planned', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { totalUnits: 5 });
    const [a, b] = await insertMembers(t, 2);
    await offer(t.dataSource, campaignId, [a, b]);
    // The campaign row is now cached and the gate loaded: both still say active below.
    await claim(a, campaignId, 'before').expect(201);
    const ending = t.dataSource.createQueryRunner();
    await ending.startTransaction();
    try {
      await ending.query(`UPDATE campaigns SET status = 'ended', ended_at = now() WHERE id = $1`, [campaignId]);
      const racing = claim(b, campaignId, 'during').then((res) => res);
      // The claim's write has started and waits for the ending transaction's row lock.
      await waitForLockWaiter(t.dataSource);
      await ending.commitTransaction();
      const res = await racing;
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('CAMPAIGN_NOT_ACTIVE');
    } finally {
      await ending.release();
    }
    expect(await campaignFacts(t.dataSource, campaignId)).toMatchObject({ claimed_units: 1, live: 1 });
  });

  it('holds a physical claim shipping to an address another account used, without starting its fulfillment', async () => {
    const campaignId = await insertActiveCampaign(t.dataSource, { kind: 'physical', totalUnits: 5 });
    const [a, b] = await insertMembers(t, 2);
    await offer(t.dataSource, campaignId, [a, b]);
    const first = await claim(a, campaignId, 'h1', { acceptDisclosure: true, shippingAddress: ADDRESS }).expect(201);
    const second = await claim(b, campaignId, 'h2', { acceptDisclosure: true, shippingAddress: { ...ADDRESS, name: 'Other' } }).expect(201);
    await waitFor(
      async () => (await t.http.get(`/admin/claims/${first.body.id}/shipment`).set('Authorization', admin)).status,
      (status) => status === 200,
    );
    const holds = await t.dataSource.query(`SELECT claim_id FROM claim_holds WHERE claim_id = ANY($1::uuid[])`, [[first.body.id, second.body.id]]);
    expect(holds).toEqual([{ claim_id: second.body.id }]);
    const [queued] = await t.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE payload->>'claimId' = $1`, [second.body.id]);
    expect(queued.n).toBe(0);
  });
});
