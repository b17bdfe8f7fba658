import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class ClaimHoldQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional() @IsString() @MaxLength(200)
  cursor?: string;
}

export class ClaimHoldDto {
  @ApiProperty({ format: 'uuid' }) claimId: string;
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty({ format: 'uuid' }) memberId: string;
  @ApiProperty({ enum: ['shared_shipping_address'] }) reason: string;
  @ApiProperty({ description: 'how many other accounts used the same address on this campaign' }) otherAccounts: number;
  @ApiProperty({ description: 'the claim status; a cancelled claim needs no release' }) claimStatus: string;
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
