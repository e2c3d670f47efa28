export * from './integration-event';
export * from './identity';
export * from './catalog';
