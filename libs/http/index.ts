export * from './problem';
export * from './problem.filter';
export * from './validation';
export * from './http-app';
export * from './admin-token.guard';
