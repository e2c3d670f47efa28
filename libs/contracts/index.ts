export * from './integration-event';
