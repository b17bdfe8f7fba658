export * from './types';
export * from './dates';
export * from './percentile';
export * from './rules';
export * from './evaluate';
export * from './to-sql';
