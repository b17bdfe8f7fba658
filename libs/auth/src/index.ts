export * from './auth-user';
export * from './decorators';
export * from './auth.guard';
export * from './auth.module';
export * from './verify-request';
export * from './same-secret';
