import 'reflect-metadata';
import { APP_CONFIG, AppConfig } from '@app/config';
import { bootstrapWorker } from '@app/platform';
import { FulfillmentModule } from './fulfillment.module';

void bootstrapWorker(FulfillmentModule, (config: AppConfig) => config.fulfillmentPort, APP_CONFIG);
