import { ApiProperty } from '@nestjs/swagger';

export class NotificationDto {
  @ApiProperty() id: string;
  @ApiProperty({
    enum: ['offer', 'claim_failed', 'payment_dispute'],
    description: 'offer: a new perk for the member; claim_failed: a claim could not be delivered; payment_dispute (admins): a brand disputed a payment',
  })
  kind: string;
  @ApiProperty() title: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { campaignId: '…' } }) data: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) readAt: string | null;
  @ApiProperty() createdAt: string;
}

export class NotificationPageDto {
  @ApiProperty({ type: [NotificationDto] }) items: NotificationDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
  @ApiProperty({ type: 'integer', description: 'unread notifications in total' }) unread: number;
}

export class ReadAllDto {
  @ApiProperty({ type: 'integer', description: 'notifications marked read by this call' }) updated: number;
}
