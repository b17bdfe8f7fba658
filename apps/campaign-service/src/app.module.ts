import { Module } from '@nestjs/common';
import { AuthCoreModule } from '@app/auth';
import { AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/db';
import { LoggerModule, OperationsModule, RateLimitModule } from '@app/platform';
import { QueueModule } from '@app/queue';
import { AbuseModule } from './abuse/abuse.module';
import { AudienceModule } from './audience/audience.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CampaignsModule } from './campaigns/campaigns.module';
import { ClaimsModule } from './claims/claims.module';
import { QueueDashboardModule } from './queue-dashboard/queue-dashboard.module';
import { EligibilityModule } from './eligibility/eligibility.module';
import { InventoryModule } from './inventory/inventory.module';
import { ModerationModule } from './moderation/moderation.module';
import { MembersModule } from './members/members.module';
import { NotificationsModule } from './notifications/notifications.module';
import { ScoresModule } from './scores/scores.module';
import { PaymentsModule } from './payments/payments.module';

@Module({
  imports: [
    AppConfigModule,
    LoggerModule,
    DatabaseModule,
    QueueModule.forRoot(),
    // Before AuthCoreModule: its guard then runs first, so anonymous floods are limited too.
    RateLimitModule,
    AuthCoreModule,
    OperationsModule,
    AuthModule,
    AuditModule,
    AbuseModule,
    CampaignsModule,
    InventoryModule,
    ModerationModule,
    EligibilityModule,
    AudienceModule,
    ScoresModule,
    MembersModule,
    NotificationsModule,
    PaymentsModule,
    ClaimsModule,
    QueueDashboardModule,
  ],
})
export class AppModule {}
