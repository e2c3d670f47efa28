export * from './logger';
export * from './request-id';
export * from './http-metrics';
export * from './metrics.module';
export * from './message-context';
export * from './message-context.hook';
export * from './registered-metric';
export * from './sweeper-metrics';
