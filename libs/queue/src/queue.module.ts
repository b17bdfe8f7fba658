import { DynamicModule, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ALL_QUEUE_NAMES, DEFAULT_JOB_OPTIONS } from './queues';
import { queueConnection } from './redis-connection';

/** Connects BullMQ to Redis and registers every queue of the contract for injection. */
@Module({})
export class QueueModule {
  static forRoot(): DynamicModule {
    return {
      module: QueueModule,
      global: true,
      imports: [
        BullModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => ({
            connection: queueConnection(config.redisUrl),
            prefix: config.redisPrefix,
            defaultJobOptions: DEFAULT_JOB_OPTIONS,
          }),
        }),
        BullModule.registerQueue(...ALL_QUEUE_NAMES.map((name) => ({ name }))),
      ],
      exports: [BullModule],
    };
  }
}
