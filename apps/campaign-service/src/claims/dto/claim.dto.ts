import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsISO31661Alpha2, IsObject, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { PageQueryDto, Printable, TextLine } from '@app/platform';
import { ClaimStatus, UUID } from '@app/domain';
import { orNull } from '../../openapi-values';

export class ShippingAddressDto {
  @ApiProperty() @TextLine(200) name: string;
  @ApiProperty() @TextLine(200) line1: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(0, 200) @Printable() line2?: string;
  @ApiProperty() @TextLine(100) city: string;
  @ApiProperty() @TextLine(20) postalCode: string;
  @ApiProperty({ example: 'US', description: 'ISO 3166-1 alpha-2' })
  @IsString()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code' })
  @IsISO31661Alpha2({ message: 'country must be an ISO 3166-1 alpha-2 code' })
  country: string;
}

export class CreateClaimDto {
  @ApiPropertyOptional({ description: 'must be true: the member accepts the FTC disclosure terms' })
  @IsOptional()
  @IsBoolean()
  acceptDisclosure?: boolean;

  @ApiPropertyOptional({ type: ShippingAddressDto, description: 'required for physical perks; goes to fulfillment only' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ShippingAddressDto)
  shippingAddress?: ShippingAddressDto;
}

export class CreatedClaimDto {
  @ApiProperty() id: string;
  @ApiProperty() campaignId: string;
  @ApiProperty({ enum: [ClaimStatus.Pending] }) status: ClaimStatus.Pending;
  @ApiProperty() createdAt: string;
}

export class FulfillmentDto {
  @ApiPropertyOptional({ description: 'digital_code perks' }) code?: string;
  @ApiPropertyOptional({ description: 'physical perks, once shipped' }) trackingNumber?: string;
  @ApiPropertyOptional({ description: 'experience perks' }) invitation?: string;
}

export class ClaimDto {
  @ApiProperty() id: string;
  @ApiProperty() campaignId: string;
  @ApiProperty({ description: "the perk's title, also once the campaign has ended" }) perkTitle: string;
  @ApiProperty({ enum: ClaimStatus }) status: ClaimStatus;
  @ApiProperty({ type: FulfillmentDto }) fulfillment: FulfillmentDto;
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: String, nullable: true }) fulfilledAt: string | null;
}

export class ClaimPageDto {
  @ApiProperty({ type: [ClaimDto] }) items: ClaimDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class AdminClaimDto extends ClaimDto {
  @ApiProperty() memberId: string;
  @ApiProperty({ enum: ['digital_code', 'physical', 'experience'] }) perkKind: string;
  @ApiProperty({ type: String, nullable: true }) failureReason: string | null;
  @ApiProperty({ type: 'integer', description: 'fulfillment rounds started by admin retries' }) fulfillmentRound: number;
  @ApiProperty() updatedAt: string;
}

export class AdminClaimPageDto {
  @ApiProperty({ type: [AdminClaimDto] }) items: AdminClaimDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class AdminClaimsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ClaimStatus }) @IsOptional() @IsIn(Object.values(ClaimStatus)) status?: ClaimStatus;
  @ApiPropertyOptional() @IsOptional() @Matches(UUID, { message: 'campaignId must be a UUID' }) campaignId?: string;
}

export class MarkShippedDto {
  @ApiProperty() @TextLine(100) trackingNumber: string;
  @ApiPropertyOptional() @IsOptional() @TextLine(100) carrier?: string;
}

export class ShippingWebhookDto {
  @ApiProperty({ description: 'our shipment id, sent to the carrier when the shipment was requested' })
  @Matches(UUID, { message: 'shipmentId must be a UUID' })
  shipmentId: string;

  @ApiProperty({ enum: ['shipped'] }) @IsIn(['shipped']) status: 'shipped';
  @ApiProperty() @TextLine(100) trackingNumber: string;
  @ApiPropertyOptional() @IsOptional() @TextLine(100) carrier?: string;
}

export class ShipmentDto {
  @ApiProperty() id: string;
  @ApiProperty() claimId: string;
  @ApiProperty({ enum: ['manual', 'webhook'] }) provider: string;
  @ApiProperty({ enum: ['requested', 'submitted', 'shipped', 'cancelled'] }) status: string;
  @ApiProperty({ ...orNull(ShippingAddressDto), description: 'kept until the shipment is handed over or shipped' })
  address: ShippingAddressDto | null;
  @ApiProperty({ type: String, nullable: true }) carrier: string | null;
  @ApiProperty({ type: String, nullable: true }) trackingNumber: string | null;
  @ApiProperty({ type: String, nullable: true }) externalId: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: String, nullable: true }) shippedAt: string | null;
}
