import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Campaign } from '@app/db';
import { CampaignStatus, transition } from '@app/domain';
import { enqueueCampaignRefund, enqueueInTransaction, jobIdFor } from '@app/queue';
import { ClaimGateInvalidator } from './claim-gate-invalidator.service';

export type ScheduleOutcome =
  | { outcome: 'started' | 'ended' }
  | { outcome: 'skipped'; reason: 'not_found' | 'not_scheduled' | 'not_endable'; status?: CampaignStatus };

/**
 * Statuses the timed end applies to. A funded campaign that was never launched ends too (its end
 * job is queued when the funding completes): it can no longer launch, and ending refunds it in
 * full. A draft has no end job; an ended campaign is left alone, so the end runs once.
 */
export const TIMED_END_FROM = [CampaignStatus.Funded, CampaignStatus.Scheduled, CampaignStatus.Active, CampaignStatus.Paused];

/**
 * The time-driven half of the lifecycle: a scheduled campaign goes live at startsAt, a funded or
 * live one ends at endsAt. Each runs in one transaction under the campaign's row lock (so a brand
 * pausing or ending at the same moment is applied before or after, never interleaved), and
 * is a no-op when the campaign already moved on — jobs may run twice.
 *
 * After the commit the claim gate's cached state is dropped, even when there was nothing to do:
 * a retry after a Redis error comes back with the status already changed, and must still drop it.
 */
@Injectable()
export class CampaignScheduleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly gate: ClaimGateInvalidator,
  ) {}

  start(campaignId: string): Promise<ScheduleOutcome> {
    return this.thenDropGate(
      campaignId,
      this.dataSource.transaction(async (manager) => {
        const campaign = await lockCampaign(manager, campaignId);
        if (!campaign) return { outcome: 'skipped', reason: 'not_found' };
        if (campaign.status !== CampaignStatus.Scheduled) return { outcome: 'skipped', reason: 'not_scheduled', status: campaign.status };
        // A start that runs late, past the end too (the workers were down across both): the campaign
        // ends without going live, so no member is offered a perk that has expired.
        if (campaign.endsAt.getTime() <= Date.now()) return this.endLocked(manager, campaign);
        const { status } = transition(campaign, { type: 'start' });
        await manager.update(Campaign, { id: campaign.id }, { status, launchedAt: new Date() });
        await enqueueInTransaction(manager, {
          queue: 'matching',
          name: 'match-campaign',
          data: { campaignId: campaign.id },
          jobId: jobIdFor('match-campaign', campaign.id),
        });
        return { outcome: 'started' };
      }),
    );
  }

  end(campaignId: string): Promise<ScheduleOutcome> {
    return this.thenDropGate(
      campaignId,
      this.dataSource.transaction(async (manager) => {
        const campaign = await lockCampaign(manager, campaignId);
        if (!campaign) return { outcome: 'skipped', reason: 'not_found' };
        if (!TIMED_END_FROM.includes(campaign.status)) return { outcome: 'skipped', reason: 'not_endable', status: campaign.status };
        return this.endLocked(manager, campaign);
      }),
    );
  }

  private async thenDropGate(campaignId: string, committed: Promise<ScheduleOutcome>): Promise<ScheduleOutcome> {
    const result = await committed;
    if (result.outcome !== 'skipped' || result.reason !== 'not_found') await this.gate.invalidate(campaignId);
    return result;
  }

  private async endLocked(manager: EntityManager, campaign: Campaign): Promise<ScheduleOutcome> {
    const { status } = transition(campaign, { type: 'end' });
    await manager.update(Campaign, { id: campaign.id }, { status, endedAt: new Date() });
    await enqueueCampaignRefund(manager, campaign.id);
    return { outcome: 'ended' };
  }
}

function lockCampaign(manager: EntityManager, campaignId: string): Promise<Campaign | null> {
  return manager.getRepository(Campaign).findOne({ where: { id: campaignId }, lock: { mode: 'pessimistic_write' } });
}
