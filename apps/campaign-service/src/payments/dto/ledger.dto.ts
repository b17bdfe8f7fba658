import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { LedgerKind } from '@app/db';

const LEDGER_KINDS: LedgerKind[] = ['charge', 'fee', 'refund', 'fee_refund', 'refund_confirmed', 'dispute_opened', 'dispute_closed'];

export class LedgerQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional() @IsString() @MaxLength(200)
  cursor?: string;
}

export class LedgerEntryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) fundingId: string | null;
  @ApiProperty({ enum: LEDGER_KINDS }) kind: LedgerKind;
  @ApiProperty({ description: 'signed integer cents: positive reaches the platform, negative leaves it' }) amountCents: number;
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
