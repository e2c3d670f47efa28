export * from './health-contributors';
export * from './health.module';
export * from './http-drain';
