import {
  context,
  createTraceState,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import { isTracing } from './tracing';

/**
 * A W3C trace context as it travels with an event (outbox row, envelope): the `traceparent` and
 * `tracestate` header values. Written in W3C form whatever OTEL_PROPAGATORS says, since the
 * outbox is Tessera's own carrier, not an HTTP header.
 */
export interface TraceCarrier {
  readonly traceparent?: string | null;
  readonly tracestate?: string | null;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The context of the work in progress, to travel with what it writes; undefined when not tracing. */
export function currentTraceCarrier(): TraceCarrier | undefined {
  if (!isTracing()) return undefined;
  const span = trace.getSpan(context.active());
  return span ? carrierOf(span.spanContext()) : undefined;
}

/**
 * The context an event written now should carry, given the event it answers: the work in
 * progress when it belongs to that event's trace (a handler's span), else the cause's own (a
 * handler applying several events at once runs in a span of its own, linked to each).
 */
export function traceCarrierFor(cause: TraceCarrier | undefined): TraceCarrier | undefined {
  if (!isTracing()) return undefined;
  const current = currentTraceCarrier();
  if (!cause?.traceparent) return current;
  return current && traceIdOf(current) === traceIdOf(cause) ? current : cause;
}

export function carrierOf(spanContext: SpanContext): TraceCarrier | undefined {
  if (!isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  const state = spanContext.traceState?.serialize();
  return {
    traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`,
    ...(state ? { tracestate: state } : {}),
  };
}

function traceIdOf(carrier: TraceCarrier): string | undefined {
  return carrier.traceparent ? TRACEPARENT.exec(carrier.traceparent)?.[1] : undefined;
}

/** The remote span context a carrier names, if it names a valid one. */
export function spanContextOf(carrier: TraceCarrier | undefined): SpanContext | undefined {
  const match = carrier?.traceparent ? TRACEPARENT.exec(carrier.traceparent) : null;
  if (!match) return undefined;
  const spanContext: SpanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: parseInt(match[3]!, 16),
    isRemote: true,
    ...(carrier?.tracestate ? { traceState: createTraceState(carrier.tracestate) } : {}),
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

export type MessagingSpanKind = 'producer' | 'consumer' | 'internal';

const KINDS: Record<MessagingSpanKind, SpanKind> = {
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
};

export interface MessagingSpanOptions {
  readonly kind: MessagingSpanKind;
  /** The parent, from a carrier; without one the span is a child of the work in progress, or a root. */
  readonly parent?: TraceCarrier;
  /** Starts a new trace even inside another (a batch span, linked to what it handles). */
  readonly root?: boolean;
  readonly links?: readonly (TraceCarrier | SpanContext | undefined)[];
  readonly attributes?: Attributes;
}

/** A started span: its context as a carrier, `run` to make it the current one, `end` once. */
export interface MessagingSpan {
  readonly carrier: TraceCarrier | undefined;
  readonly spanContext: SpanContext;
  run<T>(work: () => T): T;
  end(error?: unknown): void;
}

const tracer = () => trace.getTracer('tessera.messaging');

/** Starts a span for the outbox path; undefined when not tracing (callers skip all tracing work). */
export function startMessagingSpan(name: string, options: MessagingSpanOptions): MessagingSpan | undefined {
  if (!isTracing()) return undefined;
  const remote = spanContextOf(options.parent);
  const parentContext = options.root
    ? ROOT_CONTEXT
    : remote
      ? trace.setSpanContext(ROOT_CONTEXT, remote)
      : context.active();
  const links: Link[] = [];
  for (const link of options.links ?? []) {
    const linked = link && ('traceId' in link ? link : spanContextOf(link));
    if (linked) links.push({ context: linked });
  }
  const span = tracer().startSpan(
    name,
    { kind: KINDS[options.kind], links, ...(options.attributes ? { attributes: options.attributes } : {}) },
    parentContext,
  );
  return wrap(span, trace.setSpan(parentContext, span));
}

function wrap(span: Span, spanContextOfWork: Context): MessagingSpan {
  return {
    carrier: carrierOf(span.spanContext()),
    spanContext: span.spanContext(),
    run: (work) => context.with(spanContextOfWork, work),
    end(error) {
      if (error !== undefined) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
      span.end();
    },
  };
}

/** Runs `work` inside the span (when there is one) and ends it with the outcome. */
export async function inMessagingSpan<T>(span: MessagingSpan | undefined, work: () => Promise<T>): Promise<T> {
  if (!span) return work();
  try {
    const result = await span.run(work);
    span.end();
    return result;
  } catch (error) {
    span.end(error);
    throw error;
  }
}

/** `trace_id` and `span_id` of the current span, for log lines; empty when there is none. */
export function currentTraceIds(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  return spanContext && isSpanContextValid(spanContext)
    ? { trace_id: spanContext.traceId, span_id: spanContext.spanId }
    : {};
}
