import { Module } from '@nestjs/common';
import { AdminLedgerController } from './admin-ledger.controller';
import { ChargeEventsService } from './charge-events.service';
import { FundingController } from './funding.controller';
import { FundingService } from './funding.service';
import { LedgerService } from './ledger.service';
import { StripeGateway } from './stripe-gateway';
import { StripeWebhookController } from './stripe-webhook.controller';
import { StripeWebhookService } from './stripe-webhook.service';

/** Funding through Stripe Checkout, the Stripe webhook and the campaign ledger. */
@Module({
  controllers: [FundingController, StripeWebhookController, AdminLedgerController],
  providers: [StripeGateway, FundingService, StripeWebhookService, ChargeEventsService, LedgerService],
  exports: [LedgerService],
})
export class PaymentsModule {}
