export * from './rate-limit-group.decorator';
export * from './rate-limit.module';
