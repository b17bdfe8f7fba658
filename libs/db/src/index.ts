export * from './entities';
export * from './data-source-options';
export * from './database.module';
export * from './snake-naming.strategy';
export * from './pagination';
export * from './ledger';
export * from './micro-batcher';
export * from './prepared-query';
