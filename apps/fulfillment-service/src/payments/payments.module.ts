import { Module } from '@nestjs/common';
import { CampaignRefundService } from './campaign-refund.service';
import { PaymentsProcessor } from './payments.processor';
import { StripeRefundsClient } from './stripe-refunds.client';

/** Refunds of unused campaign budgets through Stripe, run from the `payments` queue. */
@Module({
  providers: [StripeRefundsClient, CampaignRefundService, PaymentsProcessor],
  exports: [CampaignRefundService],
})
export class PaymentsWorkerModule {}
