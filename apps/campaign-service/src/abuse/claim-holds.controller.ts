import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { Role } from '@app/domain';
import { ClaimHoldsService } from './claim-holds.service';
import { PageQueryDto } from '@app/platform';
import { ClaimHoldPageDto, ReleasedHoldDto } from './dto/claim-hold.dto';

/** Claims held by the abuse controls (several accounts shipping to one address), for admin review. */
@ApiTags('admin')
@ApiBearerAuth()
@Roles(Role.Admin)
@Controller('admin/claim-holds')
export class ClaimHoldsController {
  constructor(private readonly holds: ClaimHoldsService) {}

  @Get()
  @ApiOkResponse({ type: ClaimHoldPageDto, description: 'open holds, oldest first; to refuse one, cancel the claim (POST /admin/claims/:id/cancel)' })
  list(@Query() query: PageQueryDto): Promise<ClaimHoldPageDto> {
    return this.holds.listOpen(query.limit, query.cursor);
  }

  @Post(':claimId/release')
  @HttpCode(200)
  @ApiOkResponse({ type: ReleasedHoldDto })
  release(@CurrentUser() admin: AuthUser, @Param('claimId') claimId: string): Promise<ReleasedHoldDto> {
    return this.holds.release(admin.id, claimId);
  }
}
