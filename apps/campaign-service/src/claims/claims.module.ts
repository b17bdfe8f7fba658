import { Module } from '@nestjs/common';
import { RateLimitModule } from '@app/platform';
import { AbuseModule } from '../abuse/abuse.module';
import { AuthModule } from '../auth/auth.module';
import { EligibilityModule } from '../eligibility/eligibility.module';
import { AdminClaimsController } from './admin-claims.controller';
import { ClaimAdminService } from './claim-admin.service';
import { ClaimGateService } from './claim-gate.service';
import { ClaimLookupsService } from './claim-lookups.service';
import { ClaimQueriesService } from './claim-queries.service';
import { ClaimRoute } from './claim-route';
import { ClaimWriterService } from './claim-writer.service';
import { ClaimsController } from './claims.controller';
import { ClaimsService } from './claims.service';
import { ShipmentsService } from './shipments.service';
import { ShippingWebhookController } from './shipping-webhook.controller';

/** Member claims, their status, the admin dead-letter view and shipping. Exports the gate for inventory and status changes. */
@Module({
  imports: [AbuseModule, AuthModule, EligibilityModule, RateLimitModule],
  controllers: [ClaimsController, AdminClaimsController, ShippingWebhookController],
  providers: [ClaimsService, ClaimGateService, ClaimLookupsService, ClaimWriterService, ClaimQueriesService, ClaimAdminService, ShipmentsService, ClaimRoute],
  exports: [ClaimGateService],
})
export class ClaimsModule {}
