import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuthUser } from '@app/auth';
import { Campaign } from '@app/db';
import { transition } from '@app/domain';
import { recordAudit } from '@app/platform';
import { applyStatus } from '../campaigns/campaign-lifecycle.service';
import { CampaignDto } from '../campaigns/dto/campaign.dto';
import { ClaimGateService } from '../claims/claim-gate.service';
import { findCampaignFor } from '../common/campaign-access';

/** Admin review of campaigns: approval lets a funded campaign launch; rejection tells the brand why. */
@Injectable()
export class ModerationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly gate: ClaimGateService,
  ) {}

  approve(admin: AuthUser, id: string): Promise<CampaignDto> {
    return this.review(admin, id, 'approve', null);
  }

  reject(admin: AuthUser, id: string, reason: string): Promise<CampaignDto> {
    return this.review(admin, id, 'reject', reason.trim());
  }

  private async review(admin: AuthUser, id: string, event: 'approve' | 'reject', reason: string | null): Promise<CampaignDto> {
    const result = await this.dataSource.transaction(async (manager) => {
      // Locked so a review and a launch/end of the same campaign apply one after the other.
      const campaign = await findCampaignFor(manager, admin, id, 'pessimistic_write');
      const next = transition(campaign, { type: event });
      await applyStatus(manager, campaign, next.status);
      await manager.update(Campaign, { id: campaign.id }, { reviewStatus: next.reviewStatus, reviewReason: reason });
      await recordAudit(manager, {
        actorId: admin.id,
        action: `campaign.${event}`,
        entityType: 'campaign',
        entityId: campaign.id,
        before: { status: campaign.status, reviewStatus: campaign.reviewStatus },
        after: { status: next.status, reviewStatus: next.reviewStatus, reason },
      });
      return CampaignDto.from(await manager.getRepository(Campaign).findOneByOrFail({ id: campaign.id }));
    });
    // a rejection pauses a live campaign: the gate must stop admitting claims
    await this.gate.refresh(result.id);
    return result;
  }
}
