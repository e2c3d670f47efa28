export * from '#libs/problems';
export * from './problem.filter';
export * from './validation';
export * from './http-app';
export * from './rate-limit';
export * from './page-query';
export * from './conditional-get';
export * from './domain-problems.interceptor';
