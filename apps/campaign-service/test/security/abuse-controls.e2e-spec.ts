import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { Actor, createBrand, loginAdmin, TestApp } from '@app/testing';
import { campaignBody, markFunded } from '../campaign-fixtures';
import { Campaign } from '@app/db';
import { ClaimAbuseService } from '../../src/abuse/claim-abuse.service';
import { ClaimLookupsService } from '../../src/claims/claim-lookups.service';
import { createCampaignServiceApp } from '../app';
import { offer } from '../claims/claims-fixtures';
import { createActive } from './world';

/** OWASP API6 (unrestricted access to sensitive business flows): bots and farmed accounts grabbing stock. */
describe('abuse controls on claims (e2e)', () => {
  let t: TestApp;
  let abuse: ClaimAbuseService;
  let lookups: ClaimLookupsService;

  beforeAll(async () => {
    t = await createCampaignServiceApp({ env: { CLAIM_VELOCITY_CAP: '3' } });
    abuse = t.app.get(ClaimAbuseService);
    lookups = t.app.get(ClaimLookupsService);
  });
  afterAll(() => t.close());

  /** The abuse rules' verdict on the member's stored account: undefined when allowed, else the refusal. */
  async function abuseRefusal(memberId: string, campaign: Pick<Campaign, 'eligibility'>): Promise<unknown> {
    const { account } = await lookups.claimant(randomUUID(), memberId, true);
    try {
      abuse.assertAllowed(campaign, account);
      return undefined;
    } catch (error) {
      return error;
    }
  }

  async function member(createdDaysAgo = 100): Promise<{ id: string; auth: string }> {
    const id = randomUUID();
    await t.dataSource.query(
      `INSERT INTO users (id, email, role, display_name, created_at) VALUES ($1, $2, 'member', 'm', now() - make_interval(days => $3))`,
      [id, `abuse-${id}@test.local`, createdDaysAgo],
    );
    await t.dataSource.query(`INSERT INTO member_profiles (member_id, country, birth_date, opted_in) VALUES ($1, 'US', '1990-01-01', true)`, [id]);
    return { id, auth: `Bearer ${t.app.get(JwtService).sign({ sub: id, role: 'member', brandId: null })}` };
  }

  async function campaign(eligibility: Record<string, unknown> = { provider: 'klout' }): Promise<string> {
    const [brand] = await t.dataSource.query(`INSERT INTO brands (name) VALUES ('abuse brand') RETURNING id`);
    const [row] = await t.dataSource.query(
      `INSERT INTO campaigns (brand_id, name, perk_kind, perk_title, unit_cost_cents, total_units, per_member_limit,
                              starts_at, ends_at, eligibility, status, review_status, funding_required_cents, launched_at)
       VALUES ($1, 'Box', 'physical', 'A box', 100, 100, 1, now() - interval '1 hour', now() + interval '30 days', $2, 'active', 'approved', 0, now())
       RETURNING id`,
      [brand.id, JSON.stringify(eligibility)],
    );
    return row.id;
  }

  async function storedClaim(memberId: string, campaignId: string, options: { daysAgo?: number; status?: string } = {}): Promise<string> {
    const [row] = await t.dataSource.query(
      `INSERT INTO claims (campaign_id, member_id, idempotency_key, status, disclosure_accepted_at, created_at)
       VALUES ($1, $2, $3, $4, now(), now() - make_interval(days => $5)) RETURNING id`,
      [campaignId, memberId, randomUUID(), options.status ?? 'pending', options.daysAgo ?? 0],
    );
    return row.id;
  }

  it('refuses past the platform velocity cap (rolling 30 days) with CLAIM_LIMIT_REACHED', async () => {
    const m = await member();
    await storedClaim(m.id, await campaign());
    await storedClaim(m.id, await campaign());
    await storedClaim(m.id, await campaign(), { daysAgo: 31 });
    await storedClaim(m.id, await campaign(), { status: 'cancelled' });
    await expect(abuseRefusal(m.id, { eligibility: { provider: 'klout' } })).resolves.toBeUndefined();

    await storedClaim(m.id, await campaign(), { daysAgo: 29 });
    const refusal = await abuseRefusal(m.id, { eligibility: { provider: 'klout' } });
    expect(refusal).toMatchObject({ code: 'CLAIM_LIMIT_REACHED', details: { rule: 'platformVelocity', required: 3, actual: 3 } });
  });

  it('refuses accounts younger than the campaign minimum with NOT_ELIGIBLE and the reason', async () => {
    const young = await member(2);
    const old = await member(30);
    const rules = { eligibility: { provider: 'klout', minAccountAgeDays: 7 } };
    const refusal = await abuseRefusal(young.id, rules);
    expect(refusal).toMatchObject({ code: 'NOT_ELIGIBLE', details: [{ rule: 'minAccountAgeDays', required: 7, actual: 2 }] });
    await expect(abuseRefusal(old.id, rules)).resolves.toBeUndefined();
  });

  it('through the API: a brand sets minAccountAgeDays; young accounts get 403 NOT_ELIGIBLE, the velocity cap 409', async () => {
    const brand = await createBrand(t.http);
    const admin = await loginAdmin(t.http);
    const created = await t.http
      .post('/campaigns')
      .set('Authorization', brand.auth)
      .send(campaignBody({ perk: { kind: 'experience', title: 'Tasting', unitCostCents: 100 }, totalUnits: 10, eligibility: { provider: 'klout', minAccountAgeDays: 7 } }))
      .expect(201);
    expect(created.body.eligibility).toEqual({ provider: 'klout', minAccountAgeDays: 7 });
    const id = created.body.id as string;
    await markFunded(t.dataSource, id);
    await t.http.post(`/admin/campaigns/${id}/approve`).set('Authorization', admin.auth).expect(200);
    await t.http.post(`/campaigns/${id}/launch`).set('Authorization', brand.auth).expect(200);
    const [young, old] = [await member(1), await member(30)];
    await offer(t.dataSource, id, [young, old]);
    const claimAs = (who: { auth: string }, campaignId: string, key: string = randomUUID()) =>
      t.http.post(`/campaigns/${campaignId}/claims`).set('Authorization', who.auth).set('Idempotency-Key', key).send({ acceptDisclosure: true });

    const refused = await claimAs(young, id).expect(403);
    expect(refused.body).toMatchObject({ code: 'NOT_ELIGIBLE', details: [{ rule: 'minAccountAgeDays', required: 7, actual: 1 }] });
    await claimAs(old, id).expect(201);

    // CLAIM_VELOCITY_CAP is 3 in this file: the old account has 1 claim, two more pass, the fourth is refused.
    let third = { campaignId: '', key: '', id: '' };
    for (let i = 0; i < 2; i++) {
      const other = await createActive(t, brand, admin, [old as Actor]);
      const key = randomUUID();
      third = { campaignId: other, key, id: (await claimAs(old, other, key).expect(201)).body.id };
    }
    const fourth = await createActive(t, brand, admin, [old as Actor]);
    const capped = await claimAs(old, fourth).expect(409);
    expect(capped.body).toMatchObject({ code: 'CLAIM_LIMIT_REACHED', details: { rule: 'platformVelocity', required: 3, actual: 3 } });
    // The claim that reached the cap, replayed: its first answer, not the cap.
    const replay = await claimAs(old, third.campaignId, third.key).expect(201);
    expect(replay.body.id).toBe(third.id);
  });

  it('holds the later claims of other accounts shipping to the same address; an admin reviews and releases them', async () => {
    const campaignId = await campaign();
    const [first, second, third, elsewhere] = await Promise.all([member(), member(), member(), member()]);
    const address = { name: 'Ada', line1: '12 Baker Street', line2: 'Apt 4', city: 'London', postalCode: 'NW1 6XE', country: 'GB' };
    const claims = {
      first: await storedClaim(first.id, campaignId),
      second: await storedClaim(second.id, campaignId),
      third: await storedClaim(third.id, campaignId),
      elsewhere: await storedClaim(elsewhere.id, campaignId),
    };
    const held = await t.dataSource.transaction((manager) =>
      abuse.recordAccepted(manager, [
        { claimId: claims.first, campaignId, memberId: first.id, shippingAddress: address },
        { claimId: claims.second, campaignId, memberId: second.id, shippingAddress: { ...address, name: 'Bob', line1: '12, baker st.', line2: 'apartment 4' } },
        { claimId: claims.elsewhere, campaignId, memberId: elsewhere.id, shippingAddress: { ...address, line1: '14 Baker Street' } },
      ]),
    );
    expect([...held]).toEqual([claims.second]);
    const more = await t.dataSource.transaction((manager) =>
      abuse.recordAccepted(manager, [{ claimId: claims.third, campaignId, memberId: third.id, shippingAddress: { ...address, postalCode: 'nw16xe' } }]),
    );
    expect([...more]).toEqual([claims.third]);

    const admin = await loginAdmin(t.http);
    const list = await t.http.get('/admin/claim-holds?limit=100').set('Authorization', admin.auth).expect(200);
    const mine = list.body.items.filter((h: { campaignId: string }) => h.campaignId === campaignId);
    expect(mine.map((h: { claimId: string }) => h.claimId).sort()).toEqual([claims.second, claims.third].sort());
    expect(mine.find((h: { claimId: string }) => h.claimId === claims.third)).toMatchObject({ reason: 'shared_shipping_address', otherAccounts: 2, claimStatus: 'pending' });
    expect(JSON.stringify(list.body)).not.toContain('Baker');

    const released = await t.http.post(`/admin/claim-holds/${claims.second}/release`).set('Authorization', admin.auth).expect(200);
    expect(released.body).toMatchObject({ claimId: claims.second, fulfillmentQueued: true });
    const jobs = await t.dataSource.query(`SELECT job_name FROM outbox WHERE payload->>'claimId' = $1`, [claims.second]);
    expect(jobs).toEqual([{ job_name: 'fulfill-claim' }]);
    const [audit] = await t.dataSource.query(`SELECT actor_id, action FROM audit_log WHERE entity_id = $1`, [claims.second]);
    expect(audit).toEqual({ actor_id: admin.id, action: 'claim.release_hold' });
    await t.http.post(`/admin/claim-holds/${claims.second}/release`).set('Authorization', admin.auth).expect(404);
    await t.http.post(`/admin/claim-holds/not-a-uuid/release`).set('Authorization', admin.auth).expect(404);

    // A held claim the admin cancels instead needs no review: it leaves the list (closing its hold still works).
    await t.dataSource.query(`UPDATE campaigns SET claimed_units = 4 WHERE id = $1`, [campaignId]);
    await t.http.post(`/admin/claims/${claims.third}/cancel`).set('Authorization', admin.auth).expect(200);
    const open = await t.http.get('/admin/claim-holds?limit=100').set('Authorization', admin.auth).expect(200);
    expect(open.body.items.filter((h: { campaignId: string }) => h.campaignId === campaignId)).toEqual([]);
    const closed = await t.http.post(`/admin/claim-holds/${claims.third}/release`).set('Authorization', admin.auth).expect(200);
    expect(closed.body).toMatchObject({ claimId: claims.third, fulfillmentQueued: false });
    await t.http.get('/admin/claim-holds').set('Authorization', first.auth).expect(403);
  });
});
