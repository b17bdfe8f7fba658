import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ClaimFailureService } from './claim-failure.service';
import { DigitalCodeFulfiller } from './digital-code.fulfiller';
import { ExperienceFulfiller } from './experience.fulfiller';
import { FulfillClaimProcessor } from './fulfill-claim.processor';
import { PendingClaimsSweeper } from './pending-claims-sweeper.service';
import { PhysicalFulfiller } from './physical.fulfiller';
import { ManualShippingProvider } from './shipping/manual-shipping.provider';
import { SHIPPING_PROVIDER, ShippingProvider } from './shipping/shipping-provider';
import { WebhookShippingProvider } from './shipping/webhook-shipping.provider';

/** The configured carrier; the config refuses SHIPPING_PROVIDER=webhook without its URL and secret. */
function shippingProvider(config: AppConfig): ShippingProvider {
  const { provider, webhookUrl, webhookSecret } = config.shipping;
  return provider === 'webhook' && webhookUrl ? new WebhookShippingProvider(webhookUrl, webhookSecret) : new ManualShippingProvider();
}

/** The `fulfillment` queue's processor and the fulfillers per perk kind. */
@Module({
  providers: [
    FulfillClaimProcessor,
    DigitalCodeFulfiller,
    PhysicalFulfiller,
    ExperienceFulfiller,
    ClaimFailureService,
    PendingClaimsSweeper,
    { provide: SHIPPING_PROVIDER, inject: [APP_CONFIG], useFactory: shippingProvider },
  ],
})
export class FulfillmentFeatureModule {}
