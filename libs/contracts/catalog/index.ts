export * from './product-events';
