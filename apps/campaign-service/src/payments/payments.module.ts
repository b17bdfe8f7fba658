import { Module } from '@nestjs/common';
import { AdminLedgerController } from './admin-ledger.controller';
import { LedgerService } from './ledger.service';

/** Funding through Stripe Checkout, the Stripe webhook and the campaign ledger. */
@Module({
  controllers: [AdminLedgerController],
  providers: [LedgerService],
  exports: [LedgerService],
})
export class PaymentsModule {}
