import { ApiProperty } from '@nestjs/swagger';
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

export class ExportClaimDto {
  @ApiProperty() id: string;
  @ApiProperty() campaignId: string;
  @ApiProperty() status: string;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) shippingAddress: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) fulfillment: Record<string, unknown>;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) fulfilledAt: string | null;
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
}
