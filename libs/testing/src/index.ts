export * from './test-env';
export * from './test-app';
export * from './factories';
export * from './throwaway-redis';
