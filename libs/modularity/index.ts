export * from './module-manifest';
export * from './periodic-sweeper';
