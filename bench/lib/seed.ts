import { createHash } from 'node:crypto';
import { PERCENTILE_FRACTIONS } from '@app/domain';
import { BenchEnvironment } from './environment';

/**
 * Set-based seeding straight into PostgreSQL: the benchmarks measure claims, matching and
 * fulfillment, not registration (argon2 per member would dominate everything). Member ids
 * are md5(tag:n) so the bench can name member n without reading the ids back.
 */

export const COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR'];
export const TOPICS = ['tech', 'gaming', 'travel', 'food', 'music'];

export function memberId(tag: string, n: number): string {
  const h = createHash('md5').update(`${tag}:${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** SQL expression for memberId(tag, g) over `generate_series(...) g`, with the tag as $1. */
const ID_SQL = `md5($1 || ':' || g)::uuid`;

export interface SeededBrand {
  brandId: string;
  userId: string;
}

export async function seedBrand(env: BenchEnvironment, name: string): Promise<SeededBrand> {
  const brand = await env.one<{ id: string }>(`INSERT INTO brands (name) VALUES ($1) RETURNING id`, [name]);
  const user = await env.one<{ id: string }>(
    `INSERT INTO users (email, role, display_name, brand_id) VALUES ($1, 'brand', $2, $3) RETURNING id`,
    [`${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${brand.id.slice(0, 8)}@bench.local`, name, brand.id],
  );
  return { brandId: brand.id, userId: user.id };
}

/**
 * Members 1..count of `tag`: user, profile, a klout score and topic scores spread
 * pseudo-randomly but deterministically over 0..100. `optOuts`: every 10th member opted out
 * (a launch's matching leaves them out); otherwise all opted in, as the members matching
 * offered a perk are (a claim on an offer still asks for the opt-in).
 * Members that already exist are left alone, so seeding is repeatable.
 */
export async function seedMembers(env: BenchEnvironment, tag: string, count: number, { optOuts = false } = {}, chunk = 250_000): Promise<void> {
  for (let from = 1; from <= count; from += chunk) {
    const to = Math.min(count, from + chunk - 1);
    await env.query(
      `INSERT INTO users (id, email, role, display_name)
       SELECT ${ID_SQL}, 'bench-' || $1 || '-' || g || '@bench.local', 'member', 'Bench member ' || g
       FROM generate_series($2::int, $3::int) g ON CONFLICT DO NOTHING`,
      [tag, from, to],
    );
    // Profiles before scores: a score row copies its member's profile fields when inserted.
    await env.query(
      `INSERT INTO member_profiles (member_id, country, birth_date, opted_in)
       SELECT ${ID_SQL}, ($4::text[])[1 + g % 5], date '1960-01-01' + (g * 37 % 18000), NOT $5 OR g % 10 <> 0
       FROM generate_series($2::int, $3::int) g ON CONFLICT DO NOTHING`,
      [tag, from, to, COUNTRIES, optOuts],
    );
    await env.query(
      `INSERT INTO member_scores (provider, member_id, score, topics, scored_at)
       SELECT 'klout', ${ID_SQL}, (g::bigint * 7919 % 10007) / 100.07,
              jsonb_build_object($4::text, (g * 31 % 101), $5::text, (g * 17 % 101))
                || CASE WHEN g % 3 = 0 THEN jsonb_build_object($6::text, (g * 13 % 101)) ELSE '{}'::jsonb END,
              now() - interval '1 day'
       FROM generate_series($2::int, $3::int) g ON CONFLICT DO NOTHING`,
      [tag, from, to, TOPICS[0], TOPICS[1], TOPICS[2]],
    );
  }
  await refreshKloutDistribution(env);
}

/** The same 101 percentile thresholds the platform keeps per provider. */
export async function refreshKloutDistribution(env: BenchEnvironment): Promise<void> {
  await env.query(
    `INSERT INTO score_distributions (provider, thresholds, member_count, refreshed_at)
     SELECT 'klout', percentile_cont($1::float8[]) WITHIN GROUP (ORDER BY score), count(*)::int, now()
     FROM member_scores WHERE provider = 'klout'
     ON CONFLICT (provider) DO UPDATE
       SET thresholds = EXCLUDED.thresholds, member_count = EXCLUDED.member_count, refreshed_at = EXCLUDED.refreshed_at`,
    [PERCENTILE_FRACTIONS],
  );
}

export interface CampaignSeed {
  brandId: string;
  name: string;
  kind?: 'digital_code' | 'physical' | 'experience';
  totalUnits: number;
  perMemberLimit?: number;
  eligibility?: Record<string, unknown>;
  status?: 'draft' | 'funded' | 'active';
}

/**
 * Campaigns already funded, approved and launched (status active since a minute ago), as
 * launch would leave them; the claim gate loads them from PostgreSQL on first use.
 */
export async function seedCampaigns(env: BenchEnvironment, seeds: CampaignSeed[]): Promise<string[]> {
  const rows = seeds.map((s, ord) => ({
    ord,
    brand_id: s.brandId,
    name: s.name,
    perk_kind: s.kind ?? 'digital_code',
    total_units: s.totalUnits,
    per_member_limit: s.perMemberLimit ?? 1,
    eligibility: s.eligibility ?? { provider: 'klout' },
    status: s.status ?? 'active',
  }));
  const inserted = await env.query<{ id: string }>(
    `INSERT INTO campaigns (brand_id, name, perk_kind, perk_title, unit_cost_cents, total_units, per_member_limit,
                            starts_at, ends_at, eligibility, status, review_status, funding_required_cents, launched_at)
     SELECT x.brand_id, x.name, x.perk_kind, x.name || ' perk', 100, x.total_units, x.per_member_limit,
            now() - interval '1 minute', now() + interval '7 days', x.eligibility, x.status,
            CASE WHEN x.status = 'draft' THEN 'pending' ELSE 'approved' END,
            x.total_units * 110, CASE WHEN x.status = 'active' THEN now() END
     FROM jsonb_to_recordset($1::jsonb) AS x(ord int, brand_id uuid, name text, perk_kind text, total_units int,
                                             per_member_limit int, eligibility jsonb, status text)
     ORDER BY x.ord
     RETURNING id`,
    [JSON.stringify(rows)],
  );
  return inserted.map((r) => r.id);
}

/** Offers for members 1..count of `tag` on a campaign (as matching would have recorded them). */
export async function seedOffers(env: BenchEnvironment, campaignIds: string[], tag: string, count: number): Promise<void> {
  await env.query(
    `INSERT INTO offers (campaign_id, member_id)
     SELECT c, ${ID_SQL} FROM unnest($3::uuid[]) c, generate_series(1, $2::int) g ON CONFLICT DO NOTHING`,
    [tag, count, campaignIds],
  );
}

/** `count` unique codes for a digital-code campaign. */
export async function seedCodes(env: BenchEnvironment, campaignId: string, count: number): Promise<void> {
  await env.query(
    `INSERT INTO campaign_codes (campaign_id, code)
     SELECT $1::uuid, 'BENCH-' || upper(substr(md5($1::text || g), 1, 12)) || '-' || g FROM generate_series(1, $2::int) g`,
    [campaignId, count],
  );
}
