import type { EventEnvelope } from '#libs/contracts';
import { runInMessageContext, type MessageContext } from '#libs/observability';
import { inMessagingSpan, isTracing, startMessagingSpan } from '#libs/tracing';

/** A handler's logs and the events it publishes carry the handled event's chain. */
export function messageContextOf(event: EventEnvelope): MessageContext {
  const correlationId = event.correlationId ?? event.id;
  return { requestId: correlationId, correlationId, causationId: event.id };
}

/**
 * Runs work a handler left for after its transaction (a provider call, say) as the handled
 * event's own, even when the handler applied several events at once: its logs and the events
 * it publishes carry that event's chain, and its span (`name`) joins that event's trace.
 */
export function followUpOf<T>(event: EventEnvelope, name: string, work: () => Promise<T>): Promise<T> {
  const span = isTracing()
    ? startMessagingSpan(name, { kind: 'internal', parent: event, attributes: { 'messaging.message.id': event.id } })
    : undefined;
  return runInMessageContext(messageContextOf(event), () => inMessagingSpan(span, work));
}
