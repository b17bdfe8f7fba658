import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { Role } from '@app/domain';
import { PageQueryDto } from '@app/platform';
import { AdjustmentDto, AdjustmentPageDto, CreateAdjustmentDto } from './dto/adjustment.dto';
import { InventoryAdjustmentsService } from './inventory-adjustments.service';

@ApiTags('admin')
@ApiBearerAuth()
@Roles(Role.Admin)
@Controller('admin/campaigns/:id/inventory-adjustments')
export class InventoryAdjustmentsController {
  constructor(private readonly adjustments: InventoryAdjustmentsService) {}

  @Post()
  @ApiCreatedResponse({ type: AdjustmentDto })
  @ApiConflictResponse({ description: 'INVENTORY_BELOW_CLAIMED (the total would drop below the claimed units), INSUFFICIENT_CODES, INVALID_TRANSITION (ended)' })
  adjust(@CurrentUser() admin: AuthUser, @Param('id') id: string, @Body() dto: CreateAdjustmentDto): Promise<AdjustmentDto> {
    return this.adjustments.adjust(admin, id, dto);
  }

  @Get()
  @ApiOkResponse({ type: AdjustmentPageDto, description: 'the audit trail, oldest first' })
  list(@CurrentUser() admin: AuthUser, @Param('id') id: string, @Query() query: PageQueryDto): Promise<AdjustmentPageDto> {
    return this.adjustments.list(admin, id, query);
  }
}
