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
import { RetentionPruner } from './retention/retention-pruner.service';

/** The fulfillment worker: outbox relay, queue processors and the retention pruner, plus /health and /metrics (with queue depth and the outbox backlog). */
@Module({
  imports: [AppConfigModule, LoggerModule, DatabaseModule, QueueModule.forRoot(), OperationsModule, LifecycleModule, FulfillmentFeatureModule, PaymentsWorkerModule],
  providers: [OutboxRelayService, QueueGaugesService, RetentionPruner],
})
export class FulfillmentModule {}
