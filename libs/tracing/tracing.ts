/**
 * Whether this process traces, and its start and end. Imported first thing by the entrypoint
 * (src/instrumentation.ts), before Nest, pg or ioredis are loaded, so the instrumentations can
 * patch them; the SDK itself (./sdk) is loaded only when tracing starts, so a process without an
 * exporter loads no instrumentation at all (docs/decisions/0032-tracing-through-the-outbox.md).
 */

import type { Context } from '@opentelemetry/api';
import type { Telemetry } from 'bullmq';
import type { StartedSdk, TracedProcess } from './sdk';

export type TracingDecision = { readonly start: true } | { readonly start: false; readonly reason: string };

export type { TracedProcess };

let running: StartedSdk | undefined;

/** True once the SDK has started in this process; every per-event tracing step checks it first. */
export function isTracing(): boolean {
  return running !== undefined;
}

/**
 * Tracing starts only when an exporter is configured by the standard variables: an OTLP endpoint
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), or `OTEL_TRACES_EXPORTER`
 * naming an exporter other than `otlp` and `none`; never with `OTEL_SDK_DISABLED=true`.
 */
export function tracingDecision(env: NodeJS.ProcessEnv): TracingDecision {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { start: false, reason: 'OTEL_SDK_DISABLED' };
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (exporters.includes('none')) return { start: false, reason: 'OTEL_TRACES_EXPORTER=none' };
  if (exporters.some((name) => name !== 'otlp')) return { start: true };
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return endpoint ? { start: true } : { start: false, reason: 'no OTLP endpoint' };
}

/** Starts the SDK when `tracingDecision` says so; returns whether it did. */
export function startTracing(env: NodeJS.ProcessEnv, version: string): boolean {
  if (running || !tracingDecision(env).start) return running !== undefined;
  // Loaded here and only here: the SDK and the instrumentations cost nothing when tracing is off.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('./sdk') as typeof import('./sdk');
  running = sdk.startSdk(env, version);
  return true;
}

/**
 * BullMQ's telemetry for the job queues (their jobs carry the context of whoever queued them),
 * or undefined when not tracing.
 */
export function queueTelemetry(): Telemetry | undefined {
  return running?.queueTelemetry;
}

/**
 * Names the HTTP server span of the request in progress after its route template, and gives it
 * `http.route`; a no-op when not tracing or when the request is not sampled.
 */
export function recordHttpRoute(route: string | undefined): void {
  if (route) running?.recordRoute(route);
}

/** `ctx` with tracing suppressed (OpenTelemetry's own flag), when tracing. */
export function suppressedContext(ctx: Context): Context {
  return running ? running.suppress(ctx) : ctx;
}

/** Whether `ctx` runs with tracing suppressed: unsampled work. */
export function isSuppressed(ctx: Context): boolean {
  return running?.isSuppressed(ctx) ?? false;
}

/** Names the modules and roles this process runs, once the flags are parsed (no-op when not tracing). */
export function nameTracedProcess(process: TracedProcess): void {
  running?.nameProcess(process);
}

/** Exports the spans still buffered; called last on shutdown (no-op when not tracing). */
export async function stopTracing(): Promise<void> {
  const sdk = running;
  running = undefined;
  await sdk?.shutdown().catch(() => undefined);
}
