import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { Role } from '@app/domain';
import { CampaignDto } from '../campaigns/dto/campaign.dto';
import { RejectCampaignDto } from './dto/moderation.dto';
import { ModerationService } from './moderation.service';

@ApiTags('admin')
@ApiBearerAuth()
@Roles(Role.Admin)
@Controller('admin/campaigns/:id')
export class ModerationController {
  constructor(private readonly moderation: ModerationService) {}

  @Post('approve')
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignDto })
  @ApiConflictResponse({ description: 'INVALID_TRANSITION: the campaign has ended' })
  approve(@CurrentUser() admin: AuthUser, @Param('id') id: string): Promise<CampaignDto> {
    return this.moderation.approve(admin, id);
  }

  /** Rejecting a live campaign also pauses it until an admin approves it again. */
  @Post('reject')
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignDto })
  @ApiConflictResponse({ description: 'INVALID_TRANSITION: the campaign has ended' })
  reject(@CurrentUser() admin: AuthUser, @Param('id') id: string, @Body() dto: RejectCampaignDto): Promise<CampaignDto> {
    return this.moderation.reject(admin, id, dto.reason);
  }
}
