import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

/** Job options for jobs a test reads back after they finish: the platform removes completed fulfillment jobs. */
export const KEPT = { removeOnComplete: false } as const;

const ADDRESS = { name: 'Ada L', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

/**
 * Accepted claims exactly as the claim writer leaves them: claim rows, claimed units and
 * outbox rows in one transaction. The fulfillment service under test takes it from there.
 */
export async function seedClaims(
  db: DataSource,
  options: { kind: 'digital_code' | 'physical' | 'experience'; claims: number; codes?: number; viaOutbox?: boolean },
): Promise<{ campaignId: string; claimIds: string[] }> {
  const claimIds = Array.from({ length: options.claims }, () => randomUUID());
  const campaignId = await db.transaction(async (m) => {
    const [brand] = await m.query(`INSERT INTO brands (name) VALUES ('fulfillment brand') RETURNING id`);
    const [campaign] = await m.query(
      `INSERT INTO campaigns (brand_id, name, perk_kind, perk_title, unit_cost_cents, total_units, claimed_units,
                              ends_at, eligibility, status, review_status, funding_required_cents)
       VALUES ($1, 'Perk', $2, 'Perk title', 100, $3, $3, now() + interval '30 days', '{"provider":"klout"}', 'active', 'approved', 0)
       RETURNING id`,
      [brand.id, options.kind, options.claims],
    );
    const codes = options.codes ?? (options.kind === 'digital_code' ? options.claims : 0);
    if (codes) {
      await m.query(`INSERT INTO campaign_codes (campaign_id, code) SELECT $1, 'C-' || g || '-' || substr(md5(random()::text), 1, 8) FROM generate_series(1, $2) g`, [
        campaign.id,
        codes,
      ]);
    }
    await m.query(
      `INSERT INTO users (id, email, role) SELECT id, 'f-' || id || '@test.local', 'member' FROM unnest($1::uuid[]) AS id`,
      [claimIds],
    );
    await m.query(
      `INSERT INTO claims (id, campaign_id, member_id, idempotency_key, shipping_address, disclosure_accepted_at)
       SELECT id, $2, id, 'k', $3::jsonb, now() FROM unnest($1::uuid[]) AS id`,
      [claimIds, campaign.id, options.kind === 'physical' ? JSON.stringify(ADDRESS) : null],
    );
    if (options.viaOutbox ?? true) {
      await m.query(
        `INSERT INTO outbox (queue, job_name, job_id, payload)
         SELECT 'fulfillment', 'fulfill-claim', 'claim.' || id, jsonb_build_object('claimId', id) FROM unnest($1::uuid[]) AS id`,
        [claimIds],
      );
      await m.query(`SELECT pg_notify('outbox', '')`);
    }
    return campaign.id as string;
  });
  return { campaignId, claimIds };
}

export async function claimStates(db: DataSource, campaignId: string) {
  const [row] = await db.query(
    `SELECT count(*) FILTER (WHERE c.status = 'fulfilled')::int AS fulfilled,
            count(*) FILTER (WHERE c.status = 'pending')::int AS pending,
            count(*) FILTER (WHERE c.status = 'failed')::int AS failed,
            (SELECT count(*)::int FROM campaign_codes k WHERE k.campaign_id = $1 AND k.claim_id IS NOT NULL) AS codes_assigned,
            count(DISTINCT c.fulfillment->>'code')::int AS distinct_codes,
            (SELECT count(*)::int FROM shipments s JOIN claims x ON x.id = s.claim_id WHERE x.campaign_id = $1) AS shipments,
            (SELECT claimed_units FROM campaigns WHERE id = $1) AS claimed_units
     FROM claims c WHERE c.campaign_id = $1`,
    [campaignId],
  );
  return row as { fulfilled: number; pending: number; failed: number; codes_assigned: number; distinct_codes: number; shipments: number; claimed_units: number };
}

export async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30000, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
