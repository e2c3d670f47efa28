export * from './prepared-statement';
export * from './group-commit';
export * from './grouped-runs';
export * from './statement-parameter';
