// Nothing here loads the SDK: ./sdk is required by startTracing, and only when tracing starts.
export * from './tracing';
export * from './trace-context';
