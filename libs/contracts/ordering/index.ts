export * from './order-events';
