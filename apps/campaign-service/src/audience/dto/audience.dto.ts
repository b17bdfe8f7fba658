import { ApiProperty } from '@nestjs/swagger';

export class AudienceDto {
  @ApiProperty({ type: 'integer', description: 'opted-in members eligible right now' }) eligibleMembers: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { US: 123 } }) byCountry: Record<string, number>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { tech: 99 } }) byTopic: Record<string, number>;
}
