import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { pageCursor } from '@app/db';
import { Role } from '@app/domain';
import { findCampaignFor } from '../common/campaign-access';
import { PageQueryDto } from '@app/platform';
import { LedgerPageDto } from './dto/ledger.dto';
import { LedgerService } from './ledger.service';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/campaigns/:id/ledger')
export class AdminLedgerController {
  constructor(
    private readonly ledger: LedgerService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Every money movement of a campaign, oldest first. */
  @Get()
  @Roles(Role.Admin)
  @ApiOkResponse({ type: LedgerPageDto })
  async list(@CurrentUser() user: AuthUser, @Param('id') id: string, @Query() query: PageQueryDto): Promise<LedgerPageDto> {
    await findCampaignFor(this.dataSource.manager, user, id);
    const cursor = pageCursor(query.cursor);
    return this.ledger.list(id, query.limit, cursor);
  }
}
