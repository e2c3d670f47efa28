export * from './money.schema';
export * from './page.schema';
export * from './problem.schema';
export * from './problem-responses';
export * from './response-headers';
export * from './platform-responses';
export * from './api-document';
export * from './conditional-read.decorator';
