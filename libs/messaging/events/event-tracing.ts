import { eventKey, type EventEnvelope } from '#libs/contracts';
import { isTracing, startMessagingSpan, type MessagingSpan } from '#libs/tracing';
import type { OutboxRow } from './outbox-row';
import { inboxQueueName } from './subscription-table';

/**
 * The spans of the outbox path (docs/decisions/0032-tracing-through-the-outbox.md), after the
 * OpenTelemetry messaging conventions: the relay's publish of an event is a PRODUCER span, child of
 * the context its outbox row carries; a subscriber's handling is a CONSUMER span, child of that
 * publish span when its transaction handles one event, or a root linked to each when it handles
 * several; each handler call is a span of the event's own trace. Every factory answers undefined
 * at once when the process does not trace.
 */

const SYSTEM = 'bullmq';

/** The relay publishing one outbox row (again, when the reconciler found it missing). */
export function publishSpan(
  row: OutboxRow,
  publisher: string,
  subscribers: readonly { readonly subscriber: string }[],
  republished = false,
): MessagingSpan | undefined {
  if (!isTracing()) return undefined;
  return startMessagingSpan(`publish ${row.event_name}`, {
    kind: 'producer',
    parent: { traceparent: row.traceparent, tracestate: row.tracestate },
    attributes: {
      'messaging.system': SYSTEM,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'publish',
      'messaging.destination.name': eventKey({ name: row.event_name, version: row.event_version }),
      'messaging.message.id': row.event_id,
      'tessera.event.publisher': publisher,
      'tessera.event.subscribers': subscribers.map(({ subscriber }) => subscriber),
      ...(republished ? { 'tessera.event.republished': true } : {}),
    },
  });
}

/** One inbox transaction of `module`: a child of the one event's publish, or linked to each of several. */
export function processSpan(module: string, events: readonly EventEnvelope[]): MessagingSpan | undefined {
  if (!isTracing()) return undefined;
  const [only] = events;
  const common = {
    'messaging.system': SYSTEM,
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.subscription.name': inboxQueueName(module),
    'tessera.module': module,
  };
  if (only && events.length === 1) {
    return startMessagingSpan(`process ${only.name}`, {
      kind: 'consumer',
      parent: only,
      attributes: {
        ...common,
        'messaging.destination.name': eventKey(only),
        'messaging.message.id': only.id,
      },
    });
  }
  return startMessagingSpan(`process ${inboxQueueName(module)}`, {
    kind: 'consumer',
    root: true,
    links: events,
    attributes: { ...common, 'messaging.batch.message_count': events.length },
  });
}

/**
 * A handler applying `events` inside `transaction`. One event of a transaction of several joins
 * that event's trace (so a saga stays one trace under load), linked to the transaction's span.
 */
export function handlerSpan(
  handler: string,
  events: readonly EventEnvelope[],
  transaction: MessagingSpan | undefined,
  sharedTransaction: boolean,
): MessagingSpan | undefined {
  if (!isTracing() || !transaction) return undefined;
  const [first] = events;
  if (!first) return undefined;
  const attributes = { 'tessera.handler': handler, 'messaging.message.id': first.id };
  if (events.length > 1) {
    return startMessagingSpan(`handle ${first.name}`, {
      kind: 'internal',
      links: events,
      attributes: { ...attributes, 'messaging.batch.message_count': events.length },
    });
  }
  return startMessagingSpan(`handle ${first.name}`, {
    kind: 'internal',
    ...(sharedTransaction ? { parent: first, links: [transaction.spanContext] } : {}),
    attributes,
  });
}
