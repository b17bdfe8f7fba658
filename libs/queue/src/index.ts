export * from './queues';
export * from './outbox';
export * from './redis-connection';
export * from './queue.module';
export * from './job-processor';
export * from './claim-gate-keys';
export * from './claim-jobs';
export * from './payment-jobs';
