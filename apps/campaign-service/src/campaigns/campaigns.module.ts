import { Module } from '@nestjs/common';
import { AudienceModule } from '../audience/audience.module';
import { ClaimsModule } from '../claims/claims.module';
import { PaymentsModule } from '../payments/payments.module';
import { CampaignLifecycleService } from './campaign-lifecycle.service';
import { CampaignStatsService } from './campaign-stats.service';
import { CampaignsController } from './campaigns.controller';
import { CampaignsService } from './campaigns.service';

@Module({
  imports: [AudienceModule, PaymentsModule, ClaimsModule],
  controllers: [CampaignsController],
  providers: [CampaignsService, CampaignLifecycleService, CampaignStatsService],
  exports: [CampaignLifecycleService],
})
export class CampaignsModule {}
