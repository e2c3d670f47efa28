export * from './prepared-statement';
