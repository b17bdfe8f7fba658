import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EligibilityRules, ELIGIBLE_MEMBERS_FROM, eligibilitySql } from '@app/domain';
import { enqueueInTransaction, jobIdFor } from '@app/queue';
import { loadEvaluationContext } from './evaluation-context';

/** Live campaigns per statement: keeps the bind parameters far below PostgreSQL's limit. */
const CAMPAIGNS_PER_STATEMENT = 200;

/**
 * Re-matches one member against the live campaigns of a provider after a score change
 * (or an opt-in). Only adds offers: an offer already made is never taken back. Paused campaigns
 * count as live: a campaign is matched once, at launch, so a member who qualifies while it is
 * paused gets the offer now and sees it once it resumes.
 */
@Injectable()
export class MemberMatcher {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Returns the campaigns newly offered to the member. */
  async matchMember(memberId: string, provider: string): Promise<string[]> {
    const campaigns: { id: string; eligibility: EligibilityRules }[] = await this.dataSource.query(
      `SELECT id, eligibility FROM campaigns WHERE status IN ('active', 'paused') AND eligibility->>'provider' = $1 ORDER BY id`,
      [provider],
    );
    if (!campaigns.length) return [];
    const ctx = await loadEvaluationContext(this.dataSource.manager, provider);
    const offered: string[] = [];
    for (let i = 0; i < campaigns.length; i += CAMPAIGNS_PER_STATEMENT) {
      const batch = campaigns.slice(i, i + CAMPAIGNS_PER_STATEMENT);
      const params: unknown[] = [memberId];
      const selects = batch.map((campaign) => {
        const sql = eligibilitySql(campaign.eligibility, ctx, params.length + 2);
        params.push(campaign.id, ...sql.params);
        return `SELECT $${params.length - sql.params.length}::uuid AS campaign_id FROM ${ELIGIBLE_MEMBERS_FROM}
                WHERE s.member_id = $1 AND ${sql.where}`;
      });
      const created = await this.dataSource.transaction(async (manager) => {
        const rows: { campaign_id: string }[] = await manager.query(
          `INSERT INTO offers (campaign_id, member_id)
           SELECT campaign_id, $1 FROM (${selects.join(' UNION ALL ')}) eligible
           ON CONFLICT DO NOTHING
           RETURNING campaign_id`,
          params,
        );
        await enqueueInTransaction(
          manager,
          rows.map((row) => ({
            queue: 'notifications' as const,
            name: 'notify-offers' as const,
            data: { campaignId: row.campaign_id, memberIds: [memberId] },
            jobId: jobIdFor('notify-offers', row.campaign_id, memberId),
          })),
        );
        return rows.map((row) => row.campaign_id);
      });
      offered.push(...created);
    }
    return offered;
  }
}
