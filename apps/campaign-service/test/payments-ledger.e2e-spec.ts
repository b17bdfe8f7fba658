import { appendLedgerEntries } from '@app/db';
import { createBrand, loginAdmin, Actor, TestApp } from '@app/testing';
import { LedgerService } from '../src/payments/ledger.service';
import { createCampaignServiceApp } from './app';
import { insertCampaign } from './payments/campaign-sql';

describe('payments ledger (e2e)', () => {
  let t: TestApp;
  let admin: Actor;
  let brand: Actor;

  beforeAll(async () => {
    t = await createCampaignServiceApp();
    admin = await loginAdmin(t.http);
    brand = await createBrand(t.http);
  });
  afterAll(() => t.close());

  async function bookFundedAndRefunded(campaignId: string): Promise<void> {
    await t.dataSource.transaction((m) =>
      appendLedgerEntries(m, [
        { campaignId, fundingId: null, kind: 'charge', amountCents: 50000, stripeObjectId: `cs_${campaignId}`, description: 'units' },
        { campaignId, fundingId: null, kind: 'fee', amountCents: 5000, stripeObjectId: `cs_${campaignId}`, description: 'fee' },
        { campaignId, fundingId: null, kind: 'refund', amountCents: -20000, stripeObjectId: `re_${campaignId}`, description: 'unused' },
        { campaignId, fundingId: null, kind: 'fee_refund', amountCents: -2000, stripeObjectId: `re_${campaignId}`, description: 'fee share' },
        { campaignId, fundingId: null, kind: 'refund_confirmed', amountCents: 0, stripeObjectId: `ch_${campaignId}:22000`, description: 'ok' },
      ]),
    );
  }

  it('sums funded and refunded cents, and books a movement only once', async () => {
    const campaignId = await insertCampaign(t.dataSource, brand.brandId!);
    const ledger = t.app.get(LedgerService);
    expect(await ledger.totals(campaignId)).toEqual({ fundedCents: 0, refundedCents: 0 });
    await bookFundedAndRefunded(campaignId);
    await bookFundedAndRefunded(campaignId);
    expect(await ledger.totals(campaignId)).toEqual({ fundedCents: 55000, refundedCents: 22000 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the ledger', async () => {
    const campaignId = await insertCampaign(t.dataSource, brand.brandId!);
    await bookFundedAndRefunded(campaignId);
    await expect(t.dataSource.query(`UPDATE ledger_entries SET amount_cents = 1 WHERE campaign_id = $1`, [campaignId])).rejects.toThrow(
      /append-only/,
    );
    await expect(t.dataSource.query(`DELETE FROM ledger_entries WHERE campaign_id = $1`, [campaignId])).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query(`TRUNCATE ledger_entries CASCADE`)).rejects.toThrow(/append-only/);
  });

  it('lists a campaign ledger to admins only, page by page', async () => {
    const campaignId = await insertCampaign(t.dataSource, brand.brandId!);
    await bookFundedAndRefunded(campaignId);
    const first = await t.http.get(`/admin/campaigns/${campaignId}/ledger?limit=3`).set('Authorization', admin.auth).expect(200);
    expect(first.body.items.map((e: { kind: string }) => e.kind)).toEqual(['charge', 'fee', 'refund']);
    expect(first.body.items[2]).toMatchObject({ amountCents: -20000, stripeObjectId: `re_${campaignId}`, currency: 'usd' });
    const second = await t.http
      .get(`/admin/campaigns/${campaignId}/ledger?limit=3&cursor=${first.body.nextCursor}`)
      .set('Authorization', admin.auth)
      .expect(200);
    expect(second.body).toEqual({ items: [expect.objectContaining({ kind: 'fee_refund' }), expect.objectContaining({ kind: 'refund_confirmed' })], nextCursor: null });

    await t.http.get(`/admin/campaigns/${campaignId}/ledger`).set('Authorization', brand.auth).expect(403);
    await t.http.get(`/admin/campaigns/${campaignId}/ledger?cursor=bogus`).set('Authorization', admin.auth).expect(400);
    await t.http.get(`/admin/campaigns/not-a-uuid/ledger`).set('Authorization', admin.auth).expect(404);
  });
});
