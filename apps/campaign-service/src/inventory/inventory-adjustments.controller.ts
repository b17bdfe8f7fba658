import { Body, Controller, Get, Headers, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { Role } from '@app/domain';
import { PageQueryDto } from '@app/platform';
import { AdjustmentDto, AdjustmentPageDto, CreateAdjustmentDto } from './dto/adjustment.dto';
import { IDEMPOTENCY_KEY_RULE } from '../common/idempotency-key';
import { InventoryAdjustmentsService } from './inventory-adjustments.service';

@ApiTags('admin')
@ApiBearerAuth()
@Roles(Role.Admin)
@Controller('admin/campaigns/:id/inventory-adjustments')
export class InventoryAdjustmentsController {
  constructor(private readonly adjustments: InventoryAdjustmentsService) {}

  @Post()
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: `${IDEMPOTENCY_KEY_RULE}; a retry with the same key and body is answered with the adjustment it made, never applied twice` })
  @ApiCreatedResponse({ type: AdjustmentDto })
  @ApiConflictResponse({ description: 'INVENTORY_BELOW_CLAIMED (the total would drop below the claimed units), INSUFFICIENT_CODES, INVALID_TRANSITION (ended)' })
  @ApiUnprocessableEntityResponse({ description: 'IDEMPOTENCY_KEY_REUSED: this admin used the key for another adjustment of the campaign' })
  adjust(
    @CurrentUser() admin: AuthUser,
    @Param('id') id: string,
    @Body() dto: CreateAdjustmentDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<AdjustmentDto> {
    return this.adjustments.adjust(admin, id, dto, idempotencyKey);
  }

  @Get()
  @ApiOkResponse({ type: AdjustmentPageDto, description: 'the audit trail, oldest first' })
  list(@CurrentUser() admin: AuthUser, @Param('id') id: string, @Query() query: PageQueryDto): Promise<AdjustmentPageDto> {
    return this.adjustments.list(admin, id, query);
  }
}
