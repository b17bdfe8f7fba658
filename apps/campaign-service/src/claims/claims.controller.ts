import { Body, Controller, Get, Headers, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiHeader, ApiOkResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { Role } from '@app/domain';
import { ClaimQueriesService } from './claim-queries.service';
import { IDEMPOTENCY_KEY_RULE } from '../common/idempotency-key';
import { ClaimsService } from './claims.service';
import { PageQueryDto } from '@app/platform';
import { ClaimDto, ClaimPageDto, CreateClaimDto, CreatedClaimDto } from './dto/claim.dto';

@ApiTags('claims')
@ApiBearerAuth()
@Controller()
export class ClaimsController {
  constructor(
    private readonly claims: ClaimsService,
    private readonly queries: ClaimQueriesService,
  ) {}

  @Post('campaigns/:id/claims')
  @Roles(Role.Member)
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: `${IDEMPOTENCY_KEY_RULE}; replaying a key on the same campaign returns the first response and creates nothing: an accepted claim, or a refusal (SOLD_OUT, CLAIM_LIMIT_REACHED, CAMPAIGN_NOT_ACTIVE, NOT_ELIGIBLE, 401 for an erased account) kept for a day; a 400/429/503 leaves the key free` })
  @ApiCreatedResponse({ type: CreatedClaimDto })
  @ApiBadRequestResponse({ description: 'DISCLOSURE_REQUIRED, IDEMPOTENCY_KEY_REQUIRED (no key), VALIDATION_FAILED (e.g. a malformed Idempotency-Key, shippingAddress for physical perks)' })
  @ApiForbiddenResponse({ description: 'NOT_ELIGIBLE: the failed rules in details' })
  @ApiConflictResponse({ description: 'SOLD_OUT, CLAIM_LIMIT_REACHED, CAMPAIGN_NOT_ACTIVE; CONFLICT: a request with this Idempotency-Key is still in progress (retry it)' })
  @ApiUnprocessableEntityResponse({ description: 'IDEMPOTENCY_KEY_REUSED: the key was used for another campaign' })
  claim(
    @CurrentUser() user: AuthUser,
    @Param('id') campaignId: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() dto: CreateClaimDto,
  ): Promise<CreatedClaimDto> {
    return this.claims.claim(user, campaignId, idempotencyKey, dto);
  }

  @Get('me/claims')
  @Roles(Role.Member)
  @ApiOkResponse({ type: ClaimPageDto })
  mine(@CurrentUser() user: AuthUser, @Query() query: PageQueryDto): Promise<ClaimPageDto> {
    return this.queries.mine(user, query.limit, query.cursor);
  }

  @Get('claims/:id')
  @Roles(Role.Member, Role.Admin)
  @ApiOkResponse({ type: ClaimDto })
  one(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<ClaimDto> {
    return this.queries.one(user, id);
  }
}
