import { Module } from '@nestjs/common';
import { CampaignScheduleService } from './campaign-schedule.service';
import { ClaimGateInvalidator } from './claim-gate-invalidator.service';
import { LifecycleProcessor } from './lifecycle.processor';

/** Starts scheduled campaigns and ends live ones on time (jobs survive restarts in Redis). */
@Module({ providers: [CampaignScheduleService, ClaimGateInvalidator, LifecycleProcessor], exports: [CampaignScheduleService] })
export class LifecycleModule {}
