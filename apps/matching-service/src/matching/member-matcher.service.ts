import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { loadEvaluationContext } from '@app/db';
import { DataSource } from 'typeorm';
import { EligibilityRules, ELIGIBLE_MEMBERS_FROM, eligibilitySql, EvaluationContext } from '@app/domain';
import { enqueueInTransaction, jobIdFor } from '@app/queue';
import { OFFERABLE_CAMPAIGN } from './offerable-campaigns';

/** Live campaigns per statement: keeps the bind parameters far below PostgreSQL's limit. */
const CAMPAIGNS_PER_STATEMENT = 200;

/**
 * Re-matches one member against the live campaigns of a provider after a score or profile change.
 * Adds the offers the member now qualifies for. An offer already made stands when a score drops
 * (no take-backs), but not when the member's own profile stops meeting the campaign's profile
 * rules (opted out, another country, a birth date under the minimum age): that offer is withdrawn,
 * and the member is then judged by the rules like anyone never offered. Paused campaigns count as
 * live: a campaign is matched once, at launch, so a member who qualifies while it is paused gets
 * the offer now and sees it once it resumes.
 */
@Injectable()
export class MemberMatcher {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Returns the campaigns newly offered to the member. `scoresAt`: the score batch's (see
   * JobPayloads): until the provider's distribution counts the member's new score, percentile rules
   * would weigh it against the old thresholds (a batch raising every score would pass members who are
   * not in the top X% of the new scores, and an offer is never taken back). Those campaigns are then
   * left to the rematch-percentiles job of the refresh that follows the batch.
   */
  async matchMember(memberId: string, provider: string, scoresAt?: string): Promise<string[]> {
    let campaigns: { id: string; eligibility: EligibilityRules }[] = await this.dataSource.query(
      `SELECT id, eligibility FROM campaigns WHERE ${OFFERABLE_CAMPAIGN} AND eligibility->>'provider' = $1 ORDER BY id`,
      [provider],
    );
    if (scoresAt && campaigns.some((c) => c.eligibility.minPercentile != null) && !(await this.distributionCounts(provider, scoresAt))) {
      campaigns = campaigns.filter((c) => c.eligibility.minPercentile == null);
    }
    if (!campaigns.length) return [];
    const ctx = await loadEvaluationContext(this.dataSource.manager, provider);
    const offered: string[] = [];
    for (let i = 0; i < campaigns.length; i += CAMPAIGNS_PER_STATEMENT) {
      const batch = campaigns.slice(i, i + CAMPAIGNS_PER_STATEMENT);
      const eligible = campaignsWhere(batch, ctx, [memberId, provider], 'all', (where) => where);
      const lapsed = campaignsWhere(batch, ctx, [memberId, provider], 'profile', (where) => `NOT coalesce((${where}), false)`);
      const created = await this.dataSource.transaction(async (manager) => {
        const rows: { campaign_id: string }[] = await manager.query(
          `INSERT INTO offers (campaign_id, member_id)
           SELECT campaign_id, $1 FROM (${eligible.sql}) eligible
           ON CONFLICT DO NOTHING
           RETURNING campaign_id`,
          eligible.params,
        );
        await manager.query(`DELETE FROM offers o USING (${lapsed.sql}) lapsed WHERE o.member_id = $1 AND o.campaign_id = lapsed.campaign_id`, lapsed.params);
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

  /** Whether the provider's stored distribution was refreshed after `scoresAt`. */
  private async distributionCounts(provider: string, scoresAt: string): Promise<boolean> {
    const [row]: { counts: boolean }[] = await this.dataSource.query(
      `SELECT refreshed_at > $2::timestamptz AS counts FROM score_distributions WHERE provider = $1`,
      [provider, scoresAt],
    );
    return row?.counts === true;
  }
}

/** The campaigns of `batch` whose `scope` rules, as `condition` puts them, hold for the member's score row of the provider. */
function campaignsWhere(
  batch: { id: string; eligibility: EligibilityRules }[],
  ctx: EvaluationContext,
  [memberId, provider]: [string, string],
  scope: 'all' | 'profile',
  condition: (where: string) => string,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [memberId, provider];
  const selects = batch.map((campaign) => {
    const { where, params: ruleParams } = eligibilitySql(campaign.eligibility, ctx, params.length + 2, scope);
    params.push(campaign.id, ...ruleParams);
    return `SELECT $${params.length - ruleParams.length}::uuid AS campaign_id FROM ${ELIGIBLE_MEMBERS_FROM}
            WHERE s.member_id = $1 AND s.provider = $2 AND ${condition(where)}`;
  });
  return { sql: selects.join(' UNION ALL '), params };
}
