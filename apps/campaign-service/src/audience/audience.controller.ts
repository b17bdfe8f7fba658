import { Controller, Get, Param } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { Role } from '@app/domain';
import { findCampaignFor } from '../common/campaign-access';
import { AudienceService } from './audience.service';
import { AudienceDto } from './dto/audience.dto';

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('campaigns')
export class AudienceController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audience: AudienceService,
  ) {}

  @Get(':id/audience')
  @Roles(Role.Brand, Role.Admin)
  @ApiOkResponse({ type: AudienceDto })
  async preview(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<AudienceDto> {
    const campaign = await findCampaignFor(this.dataSource.manager, user, id);
    const { eligibleMembers, byCountry, byTopic } = await this.audience.preview(campaign);
    return { eligibleMembers, byCountry, byTopic };
  }
}
