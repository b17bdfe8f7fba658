import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { Role } from '@app/domain';
import { PageQueryDto } from '@app/platform';
import { MemberExportDto } from './dto/export.dto';
import { EligibilityResultDto, MemberPerkDto, MemberScoresDto, PerkPageDto } from './dto/member-views.dto';
import { ProfileDto, UpdateProfileDto } from './dto/profile.dto';
import { MemberViewsService } from './member-views.service';
import { PrivacyService } from './privacy.service';
import { ProfileService } from './profile.service';

@ApiTags('members')
@ApiBearerAuth()
@Roles(Role.Member)
@Controller('me')
export class MembersController {
  constructor(
    private readonly profiles: ProfileService,
    private readonly views: MemberViewsService,
    private readonly privacy: PrivacyService,
  ) {}

  @Get('profile')
  @ApiOkResponse({ type: ProfileDto })
  profile(@CurrentUser() user: AuthUser): Promise<ProfileDto> {
    return this.profiles.get(user.id);
  }

  @Put('profile')
  @ApiOkResponse({ type: ProfileDto })
  updateProfile(@CurrentUser() user: AuthUser, @Body() dto: UpdateProfileDto): Promise<ProfileDto> {
    return this.profiles.update(user.id, dto);
  }

  @Get('scores')
  @ApiOkResponse({ type: MemberScoresDto })
  scores(@CurrentUser() user: AuthUser, @Query() query: PageQueryDto): Promise<MemberScoresDto> {
    return this.views.scores(user.id, query.limit, query.cursor);
  }

  @Get('perks')
  @ApiOkResponse({ type: PerkPageDto })
  perks(@CurrentUser() user: AuthUser, @Query() query: PageQueryDto): Promise<PerkPageDto> {
    return this.views.perks(user.id, query.limit, query.cursor);
  }

  @Get('perks/:campaignId')
  @ApiOkResponse({ type: MemberPerkDto, description: 'one perk of the feed; 404 unless it is offered to the member and live' })
  perk(@CurrentUser() user: AuthUser, @Param('campaignId') campaignId: string): Promise<MemberPerkDto> {
    return this.views.perk(user.id, campaignId);
  }

  @Get('perks/:campaignId/eligibility')
  @ApiOkResponse({ type: EligibilityResultDto })
  eligibility(@CurrentUser() user: AuthUser, @Param('campaignId') campaignId: string): Promise<EligibilityResultDto> {
    return this.views.eligibilityFor(user.id, campaignId);
  }

  @Get('export')
  @ApiOkResponse({ type: MemberExportDto })
  export(@CurrentUser() user: AuthUser): Promise<MemberExportDto> {
    return this.privacy.export(user.id);
  }

  @Delete()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'personal data erased; claims stay counted without identity' })
  erase(@CurrentUser() user: AuthUser): Promise<void> {
    return this.privacy.erase(user.id);
  }
}
