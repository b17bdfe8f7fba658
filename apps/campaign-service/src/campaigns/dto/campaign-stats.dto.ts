import { ApiProperty } from '@nestjs/swagger';

/** Aggregates only: no member identity ever leaves through stats. */
export class CampaignStatsDto {
  @ApiProperty({ type: 'integer' }) totalUnits: number;
  @ApiProperty({ type: 'integer', description: 'units held by pending or fulfilled claims' }) claimedUnits: number;
  @ApiProperty({ type: 'integer' }) fulfilledUnits: number;
  @ApiProperty({ type: 'integer' }) failedUnits: number;
  @ApiProperty({ type: 'integer' }) remainingUnits: number;
  @ApiProperty({ type: 'integer', description: 'opted-in members matching the rules on the current data' }) eligibleMembers: number;
  @ApiProperty({ type: 'integer' }) offeredMembers: number;
  @ApiProperty({ type: 'integer', description: 'charge + fee of the payment that funds the campaign (a stale payment, refunded in full, is not counted)' }) fundedCents: number;
  @ApiProperty({ type: 'integer', description: 'refunds of that payment: the unused units and their share of the fee, and any made in the Stripe Dashboard' }) refundedCents: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { US: 12, CA: 3 } })
  claimsByCountry: Record<string, number>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    example: { '2026-12-01': 40, '2026-12-02': 7 },
    description: 'live claims per UTC day of claiming',
  })
  claimsByDay: Record<string, number>;
}
