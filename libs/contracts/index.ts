export * from './integration-event';
export * from './identity';
