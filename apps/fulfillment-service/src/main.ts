import 'reflect-metadata';
import { APP_CONFIG, AppConfig } from '@app/config';
import { bootstrapWorker } from '@app/platform';
import { FulfillmentModule } from './fulfillment.module';

// Active jobs get FULFILLMENT_SHUTDOWN_MS; the rest of the shutdown (connections) a little more.
void bootstrapWorker(
  FulfillmentModule,
  (config: AppConfig) => config.fulfillmentPort,
  APP_CONFIG,
  (config: AppConfig) => config.fulfillment.shutdownMs + 3000,
);
