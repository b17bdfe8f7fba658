import { ApiProperty } from '@nestjs/swagger';

export class NotificationDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'offer' }) kind: string;
  @ApiProperty() title: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { campaignId: '…' } }) data: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) readAt: string | null;
  @ApiProperty() createdAt: string;
}

export class NotificationPageDto {
  @ApiProperty({ type: [NotificationDto] }) items: NotificationDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
  @ApiProperty({ description: 'unread notifications in total' }) unread: number;
}

export class ReadAllDto {
  @ApiProperty({ description: 'notifications marked read by this call' }) updated: number;
}
