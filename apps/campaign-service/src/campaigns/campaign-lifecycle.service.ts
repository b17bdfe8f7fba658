import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuthUser } from '@app/auth';
import { Campaign, CampaignCode } from '@app/db';
import { CampaignStatus, displayStatus, PerkKind, transition } from '@app/domain';
import { recordAudit } from '@app/platform';
import { enqueueCampaignEnd, enqueueCampaignRefund, enqueueInTransaction, jobIdFor } from '@app/queue';
import { ClaimGateService } from '../claims/claim-gate.service';
import { findCampaignFor } from '../common/campaign-access';
import { LifecycleStatusDto } from './dto/campaign.dto';

/**
 * Launch, pause, resume and end. Each runs in one transaction holding the campaign's row
 * lock, so two concurrent calls serialise and the second sees the first's status; the jobs
 * that follow a status change go through the outbox in that same transaction. After the
 * commit the claim gate re-reads the campaign, so claims open and close with the status.
 */
@Injectable()
export class CampaignLifecycleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly gate: ClaimGateService,
  ) {}

  async launch(user: AuthUser, id: string): Promise<LifecycleStatusDto> {
    const result = await this.dataSource.transaction(async (manager) => {
      const campaign = await findCampaignFor(manager, user, id, 'pessimistic_write');
      const now = new Date();
      const codesLoaded =
        campaign.perkKind === PerkKind.DigitalCode ? await manager.getRepository(CampaignCode).countBy({ campaignId: campaign.id }) : 0;
      const { status } = transition(campaign, {
        type: 'launch',
        startsAt: campaign.startsAt,
        endsAt: campaign.endsAt,
        now,
        perkKind: campaign.perkKind,
        totalUnits: campaign.totalUnits,
        codesLoaded,
      });
      if (status === CampaignStatus.Scheduled) {
        await manager.update(Campaign, { id: campaign.id }, { status });
        await enqueueInTransaction(manager, {
          queue: 'lifecycle',
          name: 'start-campaign',
          data: { campaignId: campaign.id },
          jobId: jobIdFor('start-campaign', campaign.id),
          runAt: campaign.startsAt ?? now,
        });
      } else {
        await manager.update(Campaign, { id: campaign.id }, { status, launchedAt: now, startsAt: campaign.startsAt ?? now });
        await enqueueMatching(manager, campaign.id);
      }
      // Already queued when the funding completed; the same jobId keeps it a single job.
      await enqueueCampaignEnd(manager, campaign.id, campaign.endsAt);
      return { status: displayStatus(status, campaign.totalUnits, campaign.claimedUnits) };
    });
    await this.gate.refresh(id);
    return result;
  }

  pause(user: AuthUser, id: string): Promise<LifecycleStatusDto> {
    return this.simpleTransition(user, id, 'pause');
  }

  resume(user: AuthUser, id: string): Promise<LifecycleStatusDto> {
    return this.simpleTransition(user, id, 'resume');
  }

  /** Ends a live campaign, or cancels one before launch; the refund of unused units follows as a job. */
  end(user: AuthUser, id: string): Promise<LifecycleStatusDto> {
    return this.simpleTransition(user, id, 'end');
  }

  private async simpleTransition(user: AuthUser, id: string, event: 'pause' | 'resume' | 'end'): Promise<LifecycleStatusDto> {
    const result = await this.dataSource.transaction(async (manager) => {
      const campaign = await findCampaignFor(manager, user, id, 'pessimistic_write');
      const { status } = transition(campaign, event === 'resume' ? { type: event, startsAt: campaign.startsAt, endsAt: campaign.endsAt, now: new Date() } : { type: event });
      await applyStatus(manager, campaign, status);
      // Who paused, resumed or ended it (ending moves money: the refund follows).
      await recordAudit(manager, {
        actorId: user.id,
        action: `campaign.${event}`,
        entityType: 'campaign',
        entityId: campaign.id,
        before: { status: campaign.status },
        after: { status },
      });
      return { status: displayStatus(status, campaign.totalUnits, campaign.claimedUnits) };
    });
    await this.gate.refresh(id);
    return result;
  }
}

/**
 * Writes a status reached by a non-launch event, with the jobs it implies: ending queues
 * the refund, a first activation (resume of a campaign that never went live) queues matching.
 */
export async function applyStatus(manager: EntityManager, campaign: Campaign, status: CampaignStatus): Promise<void> {
  const now = new Date();
  if (status === CampaignStatus.Ended) {
    await manager.update(Campaign, { id: campaign.id }, { status, endedAt: now });
    await enqueueCampaignRefund(manager, campaign.id);
    return;
  }
  if (status === CampaignStatus.Active && !campaign.launchedAt) {
    await manager.update(Campaign, { id: campaign.id }, { status, launchedAt: now });
    await enqueueMatching(manager, campaign.id);
    return;
  }
  if (status !== campaign.status) await manager.update(Campaign, { id: campaign.id }, { status });
}

function enqueueMatching(manager: EntityManager, campaignId: string): Promise<void> {
  return enqueueInTransaction(manager, {
    queue: 'matching',
    name: 'match-campaign',
    data: { campaignId },
    jobId: jobIdFor('match-campaign', campaignId),
  });
}
