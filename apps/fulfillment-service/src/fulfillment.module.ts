import { Module } from '@nestjs/common';
import { AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/db';
import { LoggerModule, OperationsModule } from '@app/platform';
import { QueueModule } from '@app/queue';
import { FulfillmentFeatureModule } from './fulfillment/fulfillment-feature.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { OutboxRelayService } from './outbox/outbox-relay.service';
import { PaymentsWorkerModule } from './payments/payments.module';
import { QueueGaugesService } from './queue-gauges.service';

/** The fulfillment worker: outbox relay and queue processors plus /health and /metrics (with queue depth and the outbox backlog). */
@Module({
  imports: [AppConfigModule, LoggerModule, DatabaseModule, QueueModule.forRoot(), OperationsModule, LifecycleModule, FulfillmentFeatureModule, PaymentsWorkerModule],
  providers: [OutboxRelayService, QueueGaugesService],
})
export class FulfillmentModule {}
