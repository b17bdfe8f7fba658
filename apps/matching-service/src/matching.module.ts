import { Module } from '@nestjs/common';
import { AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/db';
import { LoggerModule, OperationsModule } from '@app/platform';
import { QueueModule } from '@app/queue';
import { CampaignMatcher } from './matching/campaign-matcher.service';
import { MatchingProcessor } from './matching/matching.processor';
import { MemberMatcher } from './matching/member-matcher.service';
import { PercentileRematcher } from './matching/percentile-rematcher.service';
import { NotificationsProcessor } from './notifications/notifications.processor';
import { OfferNotifier } from './notifications/offer-notifier.service';

/** The matching worker: queue processors plus /health and /metrics, no public API. */
@Module({
  imports: [AppConfigModule, LoggerModule, DatabaseModule, QueueModule.forRoot(), OperationsModule],
  providers: [CampaignMatcher, MemberMatcher, PercentileRematcher, OfferNotifier, MatchingProcessor, NotificationsProcessor],
  exports: [CampaignMatcher, MemberMatcher, PercentileRematcher, OfferNotifier],
})
export class MatchingModule {}
