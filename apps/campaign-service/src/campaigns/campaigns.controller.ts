import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { Role } from '@app/domain';
import { CampaignLifecycleService } from './campaign-lifecycle.service';
import { CampaignStatsService } from './campaign-stats.service';
import { CampaignsService } from './campaigns.service';
import { CampaignDto, CampaignPageDto, CampaignsQueryDto, LaunchStatusDto, LifecycleStatusDto } from './dto/campaign.dto';
import { CampaignStatsDto } from './dto/campaign-stats.dto';
import { CreateCampaignDto, UpdateCampaignDto } from './dto/campaign-input.dto';

/** Brands manage their own campaigns; admins see and operate all of them. Members get 403. */
@ApiTags('campaigns')
@ApiBearerAuth()
@Roles(Role.Brand, Role.Admin)
@Controller('campaigns')
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly lifecycle: CampaignLifecycleService,
    private readonly statsService: CampaignStatsService,
  ) {}

  @Post()
  @Roles(Role.Brand)
  @ApiCreatedResponse({ type: CampaignDto })
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateCampaignDto): Promise<CampaignDto> {
    return this.campaigns.create(user, dto);
  }

  @Get()
  @ApiOkResponse({ type: CampaignPageDto })
  list(@CurrentUser() user: AuthUser, @Query() query: CampaignsQueryDto): Promise<CampaignPageDto> {
    return this.campaigns.list(user, query);
  }

  @Get(':id')
  @ApiOkResponse({ type: CampaignDto })
  get(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<CampaignDto> {
    return this.campaigns.get(user, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: CampaignDto, description: 'only while draft; the edit sends it back for review' })
  @ApiConflictResponse({ description: 'CAMPAIGN_NOT_EDITABLE: no longer a draft' })
  update(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() dto: UpdateCampaignDto): Promise<CampaignDto> {
    return this.campaigns.update(user, id, dto);
  }

  @Post(':id/launch')
  @HttpCode(200)
  @ApiOkResponse({ type: LaunchStatusDto, description: 'needs funded + approved (+ codes for digital_code)' })
  @ApiConflictResponse({ description: 'CAMPAIGN_NOT_FUNDED, CAMPAIGN_NOT_APPROVED, INSUFFICIENT_CODES, INVALID_TRANSITION' })
  launch(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<LifecycleStatusDto> {
    return this.lifecycle.launch(user, id);
  }

  @Post(':id/pause')
  @ApiConflictResponse({ description: 'INVALID_TRANSITION' })
  @HttpCode(200)
  @ApiOkResponse({ type: LifecycleStatusDto })
  pause(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<LifecycleStatusDto> {
    return this.lifecycle.pause(user, id);
  }

  @Post(':id/resume')
  @ApiConflictResponse({ description: 'INVALID_TRANSITION, CAMPAIGN_NOT_APPROVED' })
  @HttpCode(200)
  @ApiOkResponse({ type: LifecycleStatusDto })
  resume(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<LifecycleStatusDto> {
    return this.lifecycle.resume(user, id);
  }

  @Post(':id/end')
  @ApiConflictResponse({ description: 'INVALID_TRANSITION: already ended' })
  @HttpCode(200)
  @ApiOkResponse({ type: LifecycleStatusDto, description: 'ends a live campaign or cancels one before launch; unused units are refunded' })
  end(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<LifecycleStatusDto> {
    return this.lifecycle.end(user, id);
  }

  @Get(':id/stats')
  @ApiOkResponse({ type: CampaignStatsDto })
  stats(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<CampaignStatsDto> {
    return this.statsService.stats(user, id);
  }
}
