export * from './configure-app';
export * from './error-status';
export * from './health.controller';
export * from './http-exception.filter';
export * from './logger.module';
export * from './metrics';
export * from './operations.module';
export * from './validation';
