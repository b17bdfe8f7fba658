import { Actor, createBrand, loginAdmin, TestApp } from '@app/testing';
import { createCampaign, createCampaignTestApp, markFunded } from './campaign-fixtures';

/** A second contract audit of API.md, on inputs the first one (contract-audit.e2e-spec.ts) did not send. */
describe('API.md contract audit, second round (e2e)', () => {
  let t: TestApp;
  let brand: Actor;
  let admin: Actor;

  beforeAll(async () => {
    t = await createCampaignTestApp({ env: { PLATFORM_FEE_BPS: '1000' } });
    [brand, admin] = await Promise.all([createBrand(t.http, 'audit2-brand'), loginAdmin(t.http)]);
  });
  afterAll(() => t.close());

  const adjust = (id: string, delta: number) =>
    t.http.post(`/admin/campaigns/${id}/inventory-adjustments`).set('Authorization', admin.auth).send({ delta, reason: 'audit' }).expect(201);
  const campaign = async (id: string) => (await t.http.get(`/campaigns/${id}`).set('Authorization', brand.auth).expect(200)).body;

  it("keeps a draft's fundingRequiredCents = totalUnits × unitCostCents + fee when an admin adjusts its units", async () => {
    const { id } = await createCampaign(t.http, brand, { totalUnits: 3, perk: { kind: 'physical', title: 'Box', unitCostCents: 505 } });
    expect(await campaign(id)).toMatchObject({ totalUnits: 3, fundingRequiredCents: 1515 + 152 });
    await adjust(id, 2);
    expect(await campaign(id)).toMatchObject({ totalUnits: 5, fundingRequiredCents: 2525 + 253 });
    await adjust(id, -4);
    expect(await campaign(id)).toMatchObject({ totalUnits: 1, fundingRequiredCents: 505 + 51 });
    // Once funded, it is what the brand paid for: a later adjustment does not rewrite it.
    await markFunded(t.dataSource, id);
    await adjust(id, 1);
    expect(await campaign(id)).toMatchObject({ status: 'funded', totalUnits: 2, fundingRequiredCents: 556 });
  });
});
