import { randomUUID } from 'node:crypto';
import TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { EligibilityRules } from '@app/domain';
import { TestAppOptions } from '@app/testing';

export const KLOUT_KEY = 'klout-test-key';
export const PEERINDEX_KEY = 'peerindex-test-key';

/** Members and brands are created by the dozen in these specs: lift the per-IP signup/login limits. */
export const SCORES_TEST_OPTIONS: TestAppOptions = { env: { RATE_LIMIT_REGISTER: '0', RATE_LIMIT_LOGIN: '0', RATE_LIMIT_LOGIN_ACCOUNT: '0', RATE_LIMIT_LOGIN_IP: '0', RATE_LIMIT_IP: '0', RATE_LIMIT_ACCOUNT: '0' } };

export interface MemberSeed {
  country?: string | null;
  birthDate?: string | null;
  optedIn?: boolean;
  /** false: the member has no profile row */
  profile?: boolean;
}

/** Inserts members (users + profiles) directly; they cannot log in. Returns their ids. */
export async function insertMembers(ds: DataSource, seeds: MemberSeed[]): Promise<string[]> {
  const ids = seeds.map(() => randomUUID());
  await ds.query(
    `INSERT INTO users (id, email, role, display_name)
     SELECT id, 'fixture-' || id || '@test.local', 'member', 'fixture' FROM unnest($1::uuid[]) AS id`,
    [ids],
  );
  const profiles = seeds
    .map((seed, i) => ({ seed, id: ids[i] }))
    .filter(({ seed }) => seed.profile !== false)
    .map(({ seed, id }) => ({
      member_id: id,
      country: seed.country === undefined ? 'US' : seed.country,
      birth_date: seed.birthDate === undefined ? '1990-01-01' : seed.birthDate,
      opted_in: seed.optedIn ?? true,
    }));
  await ds.query(
    `INSERT INTO member_profiles (member_id, country, birth_date, opted_in)
     SELECT member_id, country, birth_date, opted_in
     FROM jsonb_to_recordset($1::jsonb) AS x(member_id uuid, country text, birth_date date, opted_in boolean)`,
    [JSON.stringify(profiles)],
  );
  return ids;
}

/** A brand row to own fixture campaigns. */
export async function insertBrand(ds: DataSource, name = 'Fixture brand'): Promise<string> {
  const [row] = await ds.query(`INSERT INTO brands (name) VALUES ($1) RETURNING id`, [name]);
  return row.id;
}

export interface CampaignSeed {
  brandId: string;
  eligibility: EligibilityRules;
  status?: 'draft' | 'funded' | 'scheduled' | 'active' | 'paused' | 'ended';
  totalUnits?: number;
  title?: string;
}

/** A campaign row in the given state, as the campaign lifecycle would leave it. */
export async function insertCampaign(ds: DataSource, seed: CampaignSeed): Promise<string> {
  const [row] = await ds.query(
    `INSERT INTO campaigns (brand_id, name, perk_kind, perk_title, unit_cost_cents, total_units, ends_at, eligibility, status,
                            review_status, funding_required_cents, launched_at)
     VALUES ($1, $2, 'digital_code', $2, 500, $3, now() + interval '30 days', $4, $5, 'approved', 0,
             CASE WHEN $5 IN ('active', 'paused') THEN now() END)
     RETURNING id`,
    [seed.brandId, seed.title ?? 'Fixture perk', seed.totalUnits ?? 100, JSON.stringify(seed.eligibility), seed.status ?? 'active'],
  );
  return row.id;
}

export interface ScoreInput {
  memberId: string;
  score: number;
  topics?: { topic: string; score: number }[];
}

export function postScores(http: TestAgent, key: string, scoredAt: string, scores: unknown[]) {
  return http.post('/scores/batch').set('X-Provider-Key', key).send({ scoredAt, scores });
}
