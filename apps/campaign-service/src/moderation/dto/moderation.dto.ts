import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { NotBlank } from '@app/platform';

export class RejectCampaignDto {
  @ApiProperty({ example: 'The perk title is misleading', description: 'shown to the brand as reviewReason' })
  @IsString() @MaxLength(2000) @NotBlank()
  reason: string;
}
