export * from './embedded-postgres';
export * from './module-data-sources';
export * from './schema-migrations';
export * from './primary-database';
export * from './database.health';
export * from './database.module';
export { describeError } from './database-startup';
export * from './lsn';
export * from './consistency-token.interceptor';
