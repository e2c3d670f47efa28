export * from './queue-backend';
export * from './job-processor.decorator';
export * from './queue-workers';
export * from './queue.health';
export * from './queue.module';
export * from './tokens';
export * from './events';
