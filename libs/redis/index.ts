export * from './redis-clients';
