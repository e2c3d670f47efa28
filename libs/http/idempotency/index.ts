export * from './canonical-json';
export * from './idempotency-keys';
export * from './request-identity';
export * from './idempotency-http';
export * from './idempotency-keys.table';
export * from './idempotency-keys.provider';
