export * from './test-env';
export * from './test-app';
export * from './factories';
export * from './throwaway-redis';
export * from './fake-stripe';
export * from './service-process';
export * from './tcp-proxy';
export * from './lock-waits';
