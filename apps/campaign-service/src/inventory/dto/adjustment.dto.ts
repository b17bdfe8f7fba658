import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Max, MaxLength, Min, NotEquals } from 'class-validator';
import { NotBlank } from '@app/platform';

export class CreateAdjustmentDto {
  @ApiProperty({ type: 'integer', example: -50, description: 'units to add (positive) or remove (negative); never below claimed units' })
  @IsInt() @NotEquals(0) @Min(-1_000_000) @Max(1_000_000)
  delta: number;

  @ApiProperty({ example: 'Supplier shorted the last shipment' })
  @IsString() @MaxLength(2000) @NotBlank()
  reason: string;
}

export class AdjustmentDto {
  @ApiProperty() id: string;
  @ApiProperty() campaignId: string;
  @ApiProperty({ description: 'the admin who made the change' }) adminId: string;
  @ApiProperty({ type: 'integer' }) delta: number;
  @ApiProperty() reason: string;
  @ApiProperty({ type: 'integer' }) totalUnitsBefore: number;
  @ApiProperty({ type: 'integer' }) totalUnitsAfter: number;
  @ApiProperty() createdAt: string;
}

export class AdjustmentPageDto {
  @ApiProperty({ type: [AdjustmentDto] }) items: AdjustmentDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
