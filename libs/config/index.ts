export * from './config-error';
export * from './roles';
export * from './entrypoint-flags';
export * from './settings';
export type { RateLimit } from './setting-parsers';
export * from './process-state';
export { SETTINGS, RUNTIME } from './tokens';
export type { Runtime } from './tokens';
export * from './config.module';
