export * from './health-contributors';
export * from './health.module';
