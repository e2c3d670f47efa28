export * from './rate-limit-group.decorator';
export * from './rate-limit.module';
export * from './rate-limiter';
