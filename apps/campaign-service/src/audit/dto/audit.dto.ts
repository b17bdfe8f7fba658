import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '@app/platform';

export class AuditLogQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'campaign' })
  @IsOptional() @Matches(/^[a-z_]{1,100}$/)
  entityType?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @MaxLength(200)
  entityId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  actorId?: string;

  @ApiPropertyOptional({ example: 'campaign.approve' })
  @IsOptional() @Matches(/^[a-z_.]{1,100}$/)
  action?: string;
}

export class AuditLogEntryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'null when the system acted (webhook, job)' })
  actorId: string | null;
  @ApiProperty({ example: 'campaign.approve' }) action: string;
  @ApiProperty({ example: 'campaign' }) entityType: string;
  @ApiProperty() entityId: string;
  @ApiProperty({ nullable: true, type: Object }) before: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: Object }) after: Record<string, unknown> | null;
  @ApiProperty() createdAt: string;
}

export class AuditLogPageDto {
  @ApiProperty({ type: [AuditLogEntryDto] }) items: AuditLogEntryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
