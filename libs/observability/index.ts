export * from './logger';
export * from './request-id';
export * from './http-metrics';
export * from './metrics.module';
