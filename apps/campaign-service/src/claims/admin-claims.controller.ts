import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { Role } from '@app/domain';
import { ClaimAdminService } from './claim-admin.service';
import { ClaimQueriesService } from './claim-queries.service';
import { AdminClaimDto, AdminClaimPageDto, AdminClaimsQueryDto, MarkShippedDto, ShipmentDto } from './dto/claim.dto';
import { ShipmentsService } from './shipments.service';

/** The dead-letter view and its actions: failed claims, retry, cancel, manual shipping. */
@ApiTags('admin')
@ApiBearerAuth()
@Roles(Role.Admin)
@Controller('admin/claims')
export class AdminClaimsController {
  constructor(
    private readonly queries: ClaimQueriesService,
    private readonly admin: ClaimAdminService,
    private readonly shipments: ShipmentsService,
  ) {}

  @Get()
  @ApiOkResponse({ type: AdminClaimPageDto })
  list(@Query() query: AdminClaimsQueryDto): Promise<AdminClaimPageDto> {
    return this.queries.forAdmin({ status: query.status, campaignId: query.campaignId }, query.limit, query.cursor);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOkResponse({ type: AdminClaimDto, description: 'the claim is pending again, in a new fulfillment round' })
  @ApiConflictResponse({ description: 'CLAIM_NOT_RETRYABLE (the claim is not failed, or its campaign has ended), SOLD_OUT, CLAIM_LIMIT_REACHED' })
  retry(@CurrentUser() admin: AuthUser, @Param('id') id: string): Promise<AdminClaimDto> {
    return this.admin.retry(id, admin.id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOkResponse({ type: AdminClaimDto, description: 'cancelled; a unit it held is back in stock, or refunded to the brand if the campaign has ended' })
  @ApiConflictResponse({ description: 'CLAIM_NOT_CANCELLABLE (already cancelled, or fulfilled: what it delivered cannot be taken back)' })
  cancel(@CurrentUser() admin: AuthUser, @Param('id') id: string): Promise<AdminClaimDto> {
    return this.admin.cancel(id, admin.id);
  }

  @Get(':id/shipment')
  @ApiOkResponse({ type: ShipmentDto, description: 'the shipment of a physical claim, with the address while it is needed' })
  shipment(@Param('id') id: string): Promise<ShipmentDto> {
    return this.shipments.forClaim(id);
  }

  /** Manual shipping provider: the admin reports the tracking number; the claim is fulfilled. */
  @Post(':id/ship')
  @HttpCode(200)
  @ApiOkResponse({ type: AdminClaimDto })
  @ApiConflictResponse({ description: 'SHIPMENT_NOT_SHIPPABLE: the claim has no shipment, its shipment was cancelled, or it was already shipped with another tracking number (in `details`)' })
  async ship(@Param('id') id: string, @Body() dto: MarkShippedDto): Promise<AdminClaimDto> {
    await this.shipments.markShippedByClaim(id, dto.trackingNumber, dto.carrier);
    return this.queries.adminOne(id);
  }
}
