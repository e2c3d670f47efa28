import type { IncomingMessage } from 'node:http';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { context, SpanKind, trace, type Span } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK, resources } from '@opentelemetry/sdk-node';
import type { Telemetry } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';

/** Probes and scrapes arrive every few seconds from every balancer and Prometheus: not traces. */
const UNTRACED_PATHS = /^\/(health\/|metrics(\?|$))/;

/** What the process runs, for the resource attributes `tessera.modules` and `tessera.roles`. */
export interface TracedProcess {
  readonly modules: readonly string[];
  readonly roles: readonly string[];
}

export interface StartedSdk {
  nameProcess(process: TracedProcess): void;
  shutdown(): Promise<void>;
  readonly queueTelemetry: Telemetry;
}

/**
 * The standard Node SDK, configured by the OTEL_* variables (exporter, sampler, propagators,
 * resource attributes). `service.name` is `tessera` unless OTEL_SERVICE_NAME or
 * OTEL_RESOURCE_ATTRIBUTES names it; `tessera.modules` and `tessera.roles` follow once the flags
 * are parsed (the exporter waits for them).
 */
export function startSdk(env: NodeJS.ProcessEnv, version: string): StartedSdk {
  let name!: (process: TracedProcess) => void;
  const named = new Promise<TracedProcess>((resolve) => (name = resolve));
  // A process that stops before parsing its flags still exports what it traced.
  setTimeout(() => name({ modules: [], roles: [] }), 10_000).unref();
  const sdk = new NodeSDK({
    // Traces only, unless asked: metrics are Prometheus's (/metrics) and logs go to stdout, so the
    // SDK's default OTLP metric and log exporters stay off without OTEL_METRICS/LOGS_EXPORTER.
    ...(env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    ...(env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
    resource: resources.resourceFromAttributes({
      'service.name': 'tessera',
      'service.version': version,
      'tessera.modules': named.then((p) => p.modules.join(',')),
      'tessera.roles': named.then((p) => p.roles.join(',')),
    }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.test(request.url ?? ''),
      }),
      // The request span and its route, but no span per hook: the app's own hooks (request id,
      // metrics, headers) made 12 of a cached read's 14 spans, sampled or not (decision 0032).
      new FastifyOtelInstrumentation({ registerOnInitialization: true, instrumentHooks: false }),
      new NestInstrumentation(),
      // Pollers (the relays, BullMQ's blocking reads, replica checks) would each start a trace a second.
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
    ],
  });
  sdk.start();
  return {
    nameProcess: (process) => name(process),
    shutdown: () => sdk.shutdown(),
    queueTelemetry: withoutRootHousekeeping(new BullMQOtel({ tracerName: 'tessera', version })),
  };
}

/**
 * BullMQ's telemetry with its housekeeping (polling for the next job, renewing locks, looking for
 * stalled jobs) traced only inside a trace that is already running: alone, each poll would be a trace.
 */
function withoutRootHousekeeping(telemetry: Telemetry): Telemetry {
  const tracer = telemetry.tracer;
  const unsampled = {
    setSpanOnContext: (ctx: unknown) => ctx,
    setAttribute: () => undefined,
    setAttributes: () => undefined,
    addEvent: () => undefined,
    recordException: () => undefined,
    end: () => undefined,
  };
  return {
    ...telemetry,
    contextManager: telemetry.contextManager,
    tracer: {
      startSpan(spanName, options, ctx) {
        const internal = options?.kind === (SpanKind.INTERNAL as number);
        const parent: Span | undefined = trace.getSpan((ctx as never) ?? context.active());
        return internal && !parent ? unsampled : tracer.startSpan(spanName, options, ctx);
      },
    },
  };
}
