import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { TestApp } from '@app/testing';

export interface Member {
  id: string;
  auth: string;
}

export interface CampaignOptions {
  kind?: 'digital_code' | 'physical' | 'experience';
  totalUnits?: number;
  perMemberLimit?: number;
  codes?: number;
  status?: string;
}

/** Members straight in SQL with signed access tokens: thousands in a second, no argon2. */
export async function insertMembers(t: TestApp, count: number): Promise<Member[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await t.dataSource.query(
    `INSERT INTO users (id, email, role, display_name) SELECT id, 'm-' || id || '@test.local', 'member', 'm' FROM unnest($1::uuid[]) AS id`,
    [ids],
  );
  await t.dataSource.query(
    `INSERT INTO member_profiles (member_id, country, opted_in) SELECT id, 'US', true FROM unnest($1::uuid[]) AS id`,
    [ids],
  );
  const jwt = t.app.get(JwtService);
  return ids.map((id) => ({ id, auth: `Bearer ${jwt.sign({ sub: id, role: 'member', brandId: null })}` }));
}

export function adminAuth(t: TestApp, adminId: string): string {
  return `Bearer ${t.app.get(JwtService).sign({ sub: adminId, role: 'admin', brandId: null })}`;
}

/** An active campaign (as if funded, approved and launched) with its code pool. */
export async function insertActiveCampaign(db: DataSource, options: CampaignOptions = {}): Promise<string> {
  const [brand] = await db.query(`INSERT INTO brands (name) VALUES ('claims brand') RETURNING id`);
  const [campaign] = await db.query(
    `INSERT INTO campaigns (brand_id, name, perk_kind, perk_title, unit_cost_cents, total_units, per_member_limit,
                            starts_at, ends_at, eligibility, status, review_status, funding_required_cents, launched_at)
     VALUES ($1, 'Flash perk', $2, 'A perk', 100, $3, $4, now() - interval '1 hour', now() + interval '30 days',
             '{"provider":"klout","minScore":101}', $5, 'approved', 0, now())
     RETURNING id`,
    [brand.id, options.kind ?? 'digital_code', options.totalUnits ?? 10, options.perMemberLimit ?? 1, options.status ?? 'active'],
  );
  const codes = options.codes ?? ((options.kind ?? 'digital_code') === 'digital_code' ? (options.totalUnits ?? 10) : 0);
  if (codes) await addCodes(db, campaign.id, codes);
  return campaign.id;
}

export async function addCodes(db: DataSource, campaignId: string, count: number): Promise<void> {
  await db.query(
    `INSERT INTO campaign_codes (campaign_id, code) SELECT $1, 'CODE-' || substr(md5(random()::text || g), 1, 16) FROM generate_series(1, $2) g`,
    [campaignId, count],
  );
}

/**
 * Offers the campaign to the members as the matching worker would. It matches opted-in members
 * only (and a claim on an offer still asks for the opt-in), so a member without a profile gets an
 * opted-in adult one in the US.
 */
export async function offer(db: DataSource, campaignId: string, members: Pick<Member, 'id'>[]): Promise<void> {
  const ids = members.map((m) => m.id);
  await db.query(
    `INSERT INTO member_profiles (member_id, country, birth_date, opted_in)
     SELECT id, 'US', '1990-01-01', true FROM unnest($1::uuid[]) AS id ON CONFLICT (member_id) DO NOTHING`,
    [ids],
  );
  await db.query(`INSERT INTO offers (campaign_id, member_id) SELECT $1, id FROM unnest($2::uuid[]) AS id ON CONFLICT DO NOTHING`, [campaignId, ids]);
}

export async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Stock and fulfillment facts of one campaign, straight from PostgreSQL. */
export async function campaignFacts(db: DataSource, campaignId: string) {
  const [row] = await db.query(
    `SELECT k.total_units, k.claimed_units,
            (SELECT count(*)::int FROM claims WHERE campaign_id = k.id AND status IN ('pending', 'fulfilled')) AS live,
            (SELECT count(*)::int FROM claims WHERE campaign_id = k.id AND status = 'fulfilled') AS fulfilled,
            (SELECT count(*)::int FROM claims WHERE campaign_id = k.id AND status = 'failed') AS failed,
            (SELECT count(DISTINCT member_id)::int FROM claims WHERE campaign_id = k.id AND status IN ('pending', 'fulfilled')) AS members,
            (SELECT count(*)::int FROM campaign_codes WHERE campaign_id = k.id AND claim_id IS NOT NULL) AS codes_assigned,
            (SELECT count(DISTINCT fulfillment->>'code')::int FROM claims WHERE campaign_id = k.id AND fulfillment ? 'code') AS distinct_codes
     FROM campaigns k WHERE k.id = $1`,
    [campaignId],
  );
  return row as {
    total_units: number;
    claimed_units: number;
    live: number;
    fulfilled: number;
    failed: number;
    members: number;
    codes_assigned: number;
    distinct_codes: number;
  };
}
