import { Module } from '@nestjs/common';
import { ClaimsModule } from '../claims/claims.module';
import { CodePoolService } from './code-pool.service';
import { InventoryAdjustmentsController } from './inventory-adjustments.controller';
import { InventoryAdjustmentsService } from './inventory-adjustments.service';
import { InventoryController } from './inventory.controller';
import { InventoryService } from './inventory.service';

@Module({
  imports: [ClaimsModule],
  controllers: [InventoryController, InventoryAdjustmentsController],
  providers: [CodePoolService, InventoryService, InventoryAdjustmentsService],
})
export class InventoryModule {}
