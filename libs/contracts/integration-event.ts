import type { z } from 'zod';

/** The only thing a module imports from another's world; a payload breaking its schema is never published. */
export interface IntegrationEvent<TPayload = unknown> {
  readonly publisher: string;
  readonly name: string;
  readonly version: number;
  readonly schema: z.ZodType<TPayload>;
}

export type PayloadOf<E> = E extends IntegrationEvent<infer T> ? T : never;

export function defineIntegrationEvent<TPayload>(definition: {
  publisher: string;
  name: string;
  version: number;
  schema: z.ZodType<TPayload>;
}): IntegrationEvent<TPayload> {
  if (!/^[a-z][a-z0-9-]*\.[a-z][a-z0-9-.]*$/.test(definition.name)) {
    throw new Error(`event name "${definition.name}" must look like "<context>.<what-happened>"`);
  }
  if (!Number.isInteger(definition.version) || definition.version < 1) {
    throw new Error(`event ${definition.name}: version must be a positive integer`);
  }
  return Object.freeze({ ...definition });
}

/** `order.placed@1`: the key subscriptions, queues and dead letters use. */
export function eventKey(event: Pick<IntegrationEvent, 'name' | 'version'>): string {
  return `${event.name}@${event.version}`;
}

/** What travels: the payload plus the metadata every consumer relies on. */
export interface EventEnvelope<TPayload = unknown> {
  /** Unique per event (UUID); the inbox deduplicates on it. */
  readonly id: string;
  readonly name: string;
  readonly version: number;
  readonly publisher: string;
  readonly occurredAt: string;
  readonly aggregateId: string;
  /** Increases with each event of one aggregate: lets a consumer tell a stale event. */
  readonly aggregateVersion: number;
  /** The request (or first event) the chain started from. */
  readonly correlationId: string | null;
  /** The request or event that directly caused this one. */
  readonly causationId: string | null;
  /**
   * W3C trace context of the relay's publish span, present only when the relay traces: the
   * consumer's span continues that trace (docs/decisions/0032-tracing-through-the-outbox.md).
   */
  readonly traceparent?: string;
  readonly tracestate?: string;
  readonly payload: TPayload;
}
