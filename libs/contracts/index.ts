export * from './integration-event';
export * from './money';
export * from './identity';
export * from './catalog';
export * from './ordering';
export * from './inventory';
export * from './payments';
export * from './registry';
