import { ApiProperty } from '@nestjs/swagger';
import type { LedgerKind } from '@app/db';

const LEDGER_KINDS: LedgerKind[] = ['charge', 'fee', 'refund', 'fee_refund', 'refund_confirmed', 'dispute_opened', 'dispute_closed'];

export class LedgerEntryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) fundingId: string | null;
  @ApiProperty({ enum: LEDGER_KINDS }) kind: LedgerKind;
  @ApiProperty({ type: 'integer', description: 'signed integer cents: positive reaches the platform, negative leaves it' }) amountCents: number;
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ description: 'the Stripe object (session, refund, dispute, charge) the entry books' }) stripeObjectId: string;
  @ApiProperty({ nullable: true, type: String }) stripeEventId: string | null;
  @ApiProperty() description: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class LedgerPageDto {
  @ApiProperty({ type: [LedgerEntryDto] }) items: LedgerEntryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
