import { Module } from '@nestjs/common';
import { CampaignScheduleService } from './campaign-schedule.service';
import { ClaimGateInvalidator } from './claim-gate-invalidator.service';
import { LifecycleProcessor } from './lifecycle.processor';
import { OverdueCampaignsSweeper } from './overdue-campaigns-sweeper.service';

/** Starts scheduled campaigns and ends live ones on time (jobs in Redis; a sweep in PostgreSQL for the ones Redis lost). */
@Module({ providers: [CampaignScheduleService, ClaimGateInvalidator, LifecycleProcessor, OverdueCampaignsSweeper], exports: [CampaignScheduleService] })
export class LifecycleModule {}
