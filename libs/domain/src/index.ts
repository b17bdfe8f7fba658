export * from './errors';
export * from './enums';
export * from './campaign-lifecycle';
export * from './money';
export * from './eligibility';
export * from './refund-policy';
export * from './abuse-policy';
export * from './ids';
