import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuthUser } from '@app/auth';
import { findCampaignFor } from '../common/campaign-access';
import { InventoryDto } from './dto/inventory.dto';

@Injectable()
export class InventoryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async inventory(user: AuthUser, campaignId: string): Promise<InventoryDto> {
    const campaign = await findCampaignFor(this.dataSource.manager, user, campaignId);
    const [codes] = await this.dataSource.query(
      `SELECT count(*)::int AS loaded, count(claim_id)::int AS assigned FROM campaign_codes WHERE campaign_id = $1`,
      [campaign.id],
    );
    return {
      totalUnits: campaign.totalUnits,
      claimedUnits: campaign.claimedUnits,
      availableUnits: Math.max(0, campaign.totalUnits - campaign.claimedUnits),
      codesLoaded: codes.loaded,
      codesAssigned: codes.assigned,
    };
  }
}
