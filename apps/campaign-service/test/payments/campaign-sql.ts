import { DataSource } from 'typeorm';

export interface SqlCampaign {
  totalUnits?: number;
  unitCostCents?: number;
  status?: string;
  claimedUnits?: number;
  feeBps?: number;
}

/**
 * Inserts a campaign row directly, so payment specs do not depend on the campaign API.
 * `funding_required_cents` uses the same round-half-up fee rule as the server.
 */
export async function insertCampaign(dataSource: DataSource, brandId: string, c: SqlCampaign = {}): Promise<string> {
  const totalUnits = c.totalUnits ?? 100;
  const unitCostCents = c.unitCostCents ?? 500;
  const units = totalUnits * unitCostCents;
  const fee = Math.floor((units * (c.feeBps ?? 1000) + 5000) / 10000);
  const [row] = await dataSource.query(
    `INSERT INTO campaigns (brand_id, name, perk_kind, perk_title, unit_cost_cents, total_units, ends_at, eligibility,
                            status, funding_required_cents, claimed_units)
     VALUES ($1, 'Payments test', 'experience', 'A dinner', $2, $3, now() + interval '30 days', '{"provider":"klout"}',
             $4, $5, $6)
     RETURNING id`,
    [brandId, unitCostCents, totalUnits, c.status ?? 'draft', units + fee, c.claimedUnits ?? 0],
  );
  return row.id as string;
}
