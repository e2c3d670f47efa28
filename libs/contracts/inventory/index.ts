export * from './stock-events';
