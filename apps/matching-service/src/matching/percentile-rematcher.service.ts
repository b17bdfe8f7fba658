import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { loadEvaluationContext } from '@app/db';
import { DataSource } from 'typeorm';
import { EligibilityRules, ELIGIBLE_MEMBERS_FROM, eligibilitySql } from '@app/domain';
import { enqueueInTransaction, JobPayloads, jobIdFor } from '@app/queue';
import { OFFERABLE_CAMPAIGN } from './offerable-campaigns';

export interface RematchResult {
  campaigns: number;
  offersCreated: number;
}

/**
 * Offers a provider's live percentile campaigns to the members who qualify now that its
 * thresholds moved: when other members' scores fall, a member crosses the bar without a score
 * change of their own, and match-member never runs for them. Only adds offers (no take-backs),
 * one set-based statement per campaign, against the thresholds as they are when it runs; the new
 * offers are notified like a launch's.
 */
@Injectable()
export class PercentileRematcher {
  private readonly logger = new Logger(PercentileRematcher.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async rematch({ provider }: JobPayloads['rematch-percentiles']): Promise<RematchResult> {
    const campaigns: { id: string; eligibility: EligibilityRules }[] = await this.dataSource.query(
      `SELECT id, eligibility FROM campaigns
       WHERE ${OFFERABLE_CAMPAIGN} AND eligibility->>'provider' = $1 AND eligibility->>'minPercentile' IS NOT NULL
       ORDER BY id`,
      [provider],
    );
    const ctx = await loadEvaluationContext(this.dataSource.manager, provider);
    let offersCreated = 0;
    for (const campaign of campaigns) {
      const { where, params } = eligibilitySql(campaign.eligibility, ctx, 2);
      offersCreated += await this.dataSource.transaction(async (m) => {
        const [{ created }]: { created: number }[] = await m.query(
          `WITH created AS (
             INSERT INTO offers (campaign_id, member_id)
             SELECT $1::uuid, s.member_id FROM ${ELIGIBLE_MEMBERS_FROM} WHERE ${where}
             ON CONFLICT DO NOTHING
             RETURNING 1
           )
           SELECT count(*)::int AS created FROM created`,
          [campaign.id, ...params],
        );
        if (created) {
          await enqueueInTransaction(m, {
            queue: 'notifications',
            name: 'notify-offers',
            data: { campaignId: campaign.id },
            jobId: jobIdFor('notify-offers', campaign.id, 'percentiles', Date.now()),
          });
        }
        return created;
      });
    }
    if (offersCreated) this.logger.log(`${provider} percentiles moved: ${offersCreated} new offers on ${campaigns.length} campaigns`);
    return { campaigns: campaigns.length, offersCreated };
  }
}
