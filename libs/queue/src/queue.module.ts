import { DynamicModule, Logger, Module } from '@nestjs/common';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { connectionErrorLogger } from './connection-errors';
import { ALL_QUEUE_NAMES, DEFAULT_JOB_OPTIONS, jobOptionsFor } from './queues';
import { queueConnection } from './redis-connection';

/**
 * Every queue's connection errors, as warnings (see connectionErrorLogger), listened to as soon
 * as the queues exist: they start connecting at once.
 */
const QUEUE_ERROR_LOG = {
  provide: Symbol('QUEUE_ERROR_LOG'),
  inject: ALL_QUEUE_NAMES.map((name) => getQueueToken(name)),
  useFactory: (...queues: Queue[]) => {
    const logger = new Logger('Queues');
    for (const queue of queues) queue.on('error', connectionErrorLogger(logger, `queue ${queue.name}`));
    return true;
  },
};

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
        BullModule.registerQueue(...ALL_QUEUE_NAMES.map((name) => ({ name, defaultJobOptions: jobOptionsFor(name) }))),
      ],
      providers: [QUEUE_ERROR_LOG],
      exports: [BullModule],
    };
  }
}
