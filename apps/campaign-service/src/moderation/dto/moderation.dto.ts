import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

export class RejectCampaignDto {
  @ApiProperty({ example: 'The perk title is misleading', description: 'shown to the brand as reviewReason' })
  @IsString() @MaxLength(2000) @Matches(/\S/, { message: 'reason must not be blank' })
  reason: string;
}
