import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuthUser } from '@app/auth';
import { ClaimStatus } from '@app/domain';
import { AudienceService } from '../audience/audience.service';
import { findCampaignFor } from '../common/campaign-access';
import { LedgerService } from '../payments/ledger.service';
import { CampaignStatsDto } from './dto/campaign-stats.dto';

interface ClaimCounts {
  fulfilled: string;
  failed: string;
  offered: string;
}

/** `GET /campaigns/:id/stats`: counts from claims and offers, audience and money from their owners. */
@Injectable()
export class CampaignStatsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audience: AudienceService,
    private readonly ledger: LedgerService,
  ) {}

  async stats(user: AuthUser, id: string): Promise<CampaignStatsDto> {
    const campaign = await findCampaignFor(this.dataSource.manager, user, id);
    const live = [ClaimStatus.Pending, ClaimStatus.Fulfilled];
    const [[counts], byCountry, byDay, audience, money] = await Promise.all([
      this.dataSource.query<ClaimCounts[]>(
        `SELECT (SELECT count(*) FROM claims WHERE campaign_id = $1 AND status = $2) AS fulfilled,
                (SELECT count(*) FROM claims WHERE campaign_id = $1 AND status = $3) AS failed,
                (SELECT count(*) FROM offers WHERE campaign_id = $1) AS offered`,
        [campaign.id, ClaimStatus.Fulfilled, ClaimStatus.Failed],
      ),
      this.dataSource.query<{ country: string; claims: string }[]>(
        `SELECT country, count(*) AS claims FROM claims
         WHERE campaign_id = $1 AND status = ANY($2::text[]) AND country IS NOT NULL
         GROUP BY country ORDER BY country`,
        [campaign.id, live],
      ),
      this.dataSource.query<{ day: string; claims: string }[]>(
        `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*) AS claims FROM claims
         WHERE campaign_id = $1 AND status = ANY($2::text[])
         GROUP BY day ORDER BY day`,
        [campaign.id, live],
      ),
      this.audience.preview(campaign),
      this.ledger.totals(campaign.id, 'funding'),
    ]);
    return {
      totalUnits: campaign.totalUnits,
      claimedUnits: campaign.claimedUnits,
      fulfilledUnits: Number(counts.fulfilled),
      failedUnits: Number(counts.failed),
      remainingUnits: Math.max(0, campaign.totalUnits - campaign.claimedUnits),
      eligibleMembers: audience.eligibleMembers,
      offeredMembers: Number(counts.offered),
      fundedCents: money.fundedCents,
      refundedCents: money.refundedCents,
      claimsByCountry: Object.fromEntries(byCountry.map((row) => [row.country.trim(), Number(row.claims)])),
      claimsByDay: Object.fromEntries(byDay.map((row) => [row.day, Number(row.claims)])),
    };
  }
}
