import { randomUUID } from 'node:crypto';
import { TestApp } from '@app/testing';
import { ClaimLookupsService } from '../../src/claims/claim-lookups.service';
import { createCampaignServiceApp } from '../app';

const DAY = 86_400_000;

/**
 * A POSIX time zone whose daylight saving time began `days` ago (UTC+0 to UTC+1), so the last 30
 * days hold a 23-hour day, as they do twice a year on a database whose time zone has DST.
 */
function zoneWithDstBegunDaysAgo(days: number): string {
  const at = new Date(Date.now() - days * DAY);
  // Jn counts 1–365 and never 29 February.
  let julian = Math.floor((at.getTime() - Date.UTC(at.getUTCFullYear(), 0, 1)) / DAY) + 1;
  const leap = new Date(Date.UTC(at.getUTCFullYear(), 1, 29)).getUTCMonth() === 1;
  if (leap && julian >= 60) julian = Math.max(59, julian - 1);
  return `XST0XDT,J${julian}/0,J${((julian + 179) % 365) + 1}/0`;
}

describe('platform claim velocity window across a daylight saving change (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createCampaignServiceApp({ env: { CLAIM_VELOCITY_CAP: '3', PGOPTIONS: `-c timezone=${zoneWithDstBegunDaysAgo(20)}` } });
  });
  afterAll(() => t.close());

  it('counts the rolling 30 days as 720 hours whatever the database time zone', async () => {
    const [{ shorter }] = await t.dataSource.query(`SELECT (now() - interval '30 days') - (now() - interval '720 hours') AS shorter`);
    expect(shorter).toEqual({ hours: 1 });

    const memberId = randomUUID();
    await t.dataSource.query(`INSERT INTO users (id, email, role, display_name, created_at) VALUES ($1, $2, 'member', 'm', now() - interval '100 days')`, [
      memberId,
      `velocity-${memberId}@test.local`,
    ]);
    const [brand] = await t.dataSource.query(`INSERT INTO brands (name) VALUES ('velocity brand') RETURNING id`);
    for (const hoursAgo of [0, 0, 719.5]) {
      const [campaign] = await t.dataSource.query(
        `INSERT INTO campaigns (brand_id, name, perk_kind, perk_title, unit_cost_cents, total_units, per_member_limit,
                                starts_at, ends_at, eligibility, status, review_status, funding_required_cents, launched_at)
         VALUES ($1, 'Box', 'physical', 'A box', 100, 100, 1, now() - interval '40 days', now() + interval '30 days', '{"provider":"klout"}', 'active', 'approved', 0, now())
         RETURNING id`,
        [brand.id],
      );
      await t.dataSource.query(
        `INSERT INTO claims (campaign_id, member_id, idempotency_key, status, disclosure_accepted_at, created_at)
         VALUES ($1, $2, $3, 'pending', now(), now() - make_interval(secs => $4::float8 * 3600))`,
        [campaign.id, memberId, randomUUID(), hoursAgo],
      );
    }
    // 719.5 hours ago is within 30 days; counted by calendar days in this zone, the window was 719 hours.
    const { account } = await t.app.get(ClaimLookupsService).claimant(randomUUID(), memberId, true);
    expect(account?.recentClaims).toBe(3);
  });
});
