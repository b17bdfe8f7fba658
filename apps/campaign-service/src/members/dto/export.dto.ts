import { ApiExtraModels, ApiProperty } from '@nestjs/swagger';
import { ProfileDto } from './profile.dto';
import { orNull } from '../../openapi-values';

export class ExportAccountDto {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty({ nullable: true, type: String }) displayName: string | null;
  @ApiProperty() createdAt: string;
}

export class ExportScoreDto {
  @ApiProperty() provider: string;
  @ApiProperty() score: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) topics: Record<string, number>;
  @ApiProperty() scoredAt: string;
  @ApiProperty({ description: 'true for the current score, false for history' }) current: boolean;
}

export class ExportOfferDto {
  @ApiProperty() campaignId: string;
  @ApiProperty() title: string;
  @ApiProperty() offeredAt: string;
}

export class ExportClaimHoldDto {
  @ApiProperty({ example: 'shared_shipping_address' }) reason: string;
  @ApiProperty() heldAt: string;
  @ApiProperty({ nullable: true, type: String }) releasedAt: string | null;
}

export class ExportShipmentDto {
  @ApiProperty({ enum: ['requested', 'submitted', 'shipped', 'cancelled'] }) status: string;
  @ApiProperty({ nullable: true, type: String }) carrier: string | null;
  @ApiProperty({ nullable: true, type: String }) trackingNumber: string | null;
  @ApiProperty({ nullable: true, type: String }) shippedAt: string | null;
}

@ApiExtraModels(ExportShipmentDto, ExportClaimHoldDto)
export class ExportClaimDto {
  @ApiProperty() id: string;
  @ApiProperty() campaignId: string;
  @ApiProperty() status: string;
  @ApiProperty({ description: 'the Idempotency-Key the claim was made with' }) idempotencyKey: string;
  @ApiProperty({ nullable: true, type: String, description: 'the member’s country when they claimed' }) country: string | null;
  @ApiProperty({ description: 'when the member accepted the disclosure terms (FTC)' }) disclosureAcceptedAt: string;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) shippingAddress: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) fulfillment: Record<string, unknown>;
  @ApiProperty(orNull(ExportShipmentDto)) shipment: ExportShipmentDto | null;
  @ApiProperty({ ...orNull(ExportClaimHoldDto), description: 'held for review by the abuse rules' }) hold: ExportClaimHoldDto | null;
  @ApiProperty({ nullable: true, type: String }) failureReason: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) fulfilledAt: string | null;
}

export class ExportSessionDto {
  @ApiProperty() startedAt: string;
  @ApiProperty({ description: 'the last refresh' }) lastRenewedAt: string;
  @ApiProperty() expiresAt: string;
  @ApiProperty({ nullable: true, type: String }) endedAt: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'reused (a copied refresh token was presented), logout or password_changed' }) endReason: string | null;
}

export class ExportNotificationDto {
  @ApiProperty() id: string;
  @ApiProperty() kind: string;
  @ApiProperty() title: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) readAt: string | null;
  @ApiProperty() createdAt: string;
}

export class MemberExportDto {
  @ApiProperty() exportedAt: string;
  @ApiProperty({ type: ExportAccountDto }) account: ExportAccountDto;
  @ApiProperty({ ...orNull(ProfileDto), description: 'null until the member saves one' }) profile: ProfileDto | null;
  @ApiProperty({ type: [ExportScoreDto] }) scores: ExportScoreDto[];
  @ApiProperty({ type: [ExportOfferDto] }) offers: ExportOfferDto[];
  @ApiProperty({ type: [ExportClaimDto] }) claims: ExportClaimDto[];
  @ApiProperty({ type: [ExportNotificationDto] }) notifications: ExportNotificationDto[];
  @ApiProperty({ type: [ExportSessionDto], description: 'login sessions (one per login, renewed by refreshes)' }) sessions: ExportSessionDto[];
}
