import { ApiProperty } from '@nestjs/swagger';

export class ClaimHoldDto {
  @ApiProperty({ format: 'uuid' }) claimId: string;
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty({ format: 'uuid' }) memberId: string;
  @ApiProperty({ enum: ['shared_shipping_address'] }) reason: string;
  @ApiProperty({ type: 'integer', description: 'how many other accounts used the same address on this campaign' }) otherAccounts: number;
  @ApiProperty({ enum: ['pending'], description: 'the claim status: always pending (a cancelled claim needs no review and is not listed)' })
  claimStatus: string;
  @ApiProperty() createdAt: string;
}

export class ClaimHoldPageDto {
  @ApiProperty({ type: [ClaimHoldDto] }) items: ClaimHoldDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class ReleasedHoldDto {
  @ApiProperty({ format: 'uuid' }) claimId: string;
  @ApiProperty() releasedAt: string;
  @ApiProperty({ description: 'true when fulfilment was started (false for a claim cancelled meanwhile)' }) fulfillmentQueued: boolean;
}
