import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { CampaignStatus } from '@app/domain';
import { createRedis, enqueueCampaignRefund, releaseClaimGateUnit } from '@app/queue';

const failedClaims = new Counter({ name: 'claims_failed_total', help: 'Claims whose fulfillment failed for good' });

/**
 * The end of a claim whose fulfillment failed for good: status failed (the admin dead-letter
 * view), its unit back in stock (PostgreSQL, then the Redis claim gate) and the member told.
 * On an ended campaign the unit is refunded to the brand instead (a top-up refund job).
 * Runs once per claim and round: a claim already past `pending` is left alone.
 */
@Injectable()
export class ClaimFailureService implements OnApplicationShutdown {
  private readonly logger = new Logger(ClaimFailureService.name);
  private readonly redis: Redis;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.redis = createRedis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 1000 });
    this.redis.on('error', () => undefined);
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }

  async markFailed(claimId: string, round: number, reason: string): Promise<boolean> {
    const failed = await this.dataSource.transaction(async (manager) => {
      const [ref]: { campaign_id: string }[] = await manager.query(`SELECT campaign_id FROM claims WHERE id = $1`, [claimId]);
      if (!ref) return null;
      // Campaign row first, like every writer of claimed_units, so this never deadlocks with claims.
      const [campaign]: { status: CampaignStatus }[] = await manager.query(`SELECT status FROM campaigns WHERE id = $1 FOR UPDATE`, [ref.campaign_id]);
      const [claim]: { member_id: string; perk_title: string }[] = await manager.query(
        `WITH failed AS (
           UPDATE claims c SET status = 'failed', failure_reason = $3, updated_at = now()
           FROM campaigns k
           WHERE c.id = $1 AND c.status = 'pending' AND c.fulfillment_round = $2 AND k.id = c.campaign_id
           RETURNING c.member_id, k.perk_title)
         SELECT member_id, perk_title FROM failed`,
        [claimId, round, reason.slice(0, 500)],
      );
      if (!claim) return null;
      await manager.query(`UPDATE campaigns SET claimed_units = claimed_units - 1 WHERE id = $1`, [ref.campaign_id]);
      // The end's refund counted this unit as used: the brand gets it back by a top-up.
      if (campaign.status === CampaignStatus.Ended) await enqueueCampaignRefund(manager, ref.campaign_id, `claim-${claimId}-r${round}`);
      await manager.query(
        `UPDATE shipments SET status = 'cancelled', updated_at = now() WHERE claim_id = $1 AND status IN ('requested', 'submitted')`,
        [claimId],
      );
      await manager.query(
        `INSERT INTO notifications (member_id, kind, title, data, campaign_id)
         VALUES ($1, 'claim_failed', $2, $3::jsonb, $4)`,
        [
          claim.member_id,
          `We could not deliver "${claim.perk_title}"`,
          JSON.stringify({ claimId, campaignId: ref.campaign_id, reason: 'fulfillment_failed' }),
          ref.campaign_id,
        ],
      );
      return { campaignId: ref.campaign_id, memberId: claim.member_id };
    });
    if (!failed) return false;
    failedClaims.inc();
    this.logger.warn(`claim ${claimId} of campaign ${failed.campaignId} failed for good (round ${round}); its unit is back in stock and the member is told`);
    await releaseClaimGateUnit(this.redis, this.config.redisPrefix, failed.campaignId, failed.memberId).catch((error: Error) =>
      this.logger.warn(`claim gate not updated for ${failed.campaignId} (rebuilt from PostgreSQL later): ${error.message}`),
    );
    return true;
  }
}
