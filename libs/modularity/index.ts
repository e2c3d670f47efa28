export * from './module-manifest';
