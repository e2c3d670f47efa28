import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who asked for the work in progress: the HTTP request id, or the event being handled.
 * It follows the request into the events it publishes and the jobs that handle them, so a
 * log search for one id shows the whole chain.
 */
export interface MessageContext {
  readonly requestId: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  /** Set while a handler applies several events at once: nothing may be published then. */
  readonly severalCauses?: true;
}

const storage = new AsyncLocalStorage<MessageContext>();

export function currentMessageContext(): MessageContext | undefined {
  return storage.getStore();
}

export function runInMessageContext<T>(context: MessageContext, work: () => T): T {
  return storage.run(context, work);
}
