export * from './payment-events';
