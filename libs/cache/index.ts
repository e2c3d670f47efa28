export * from './read-cache';
export * from './invalidation-bus';
export * from './cache.module';
