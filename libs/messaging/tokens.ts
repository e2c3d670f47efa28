/** Injection token of the selected QueueBackend. */
export const QUEUE_BACKEND = Symbol('QueueBackend');
