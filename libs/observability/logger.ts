import type { LoggerService } from '@nestjs/common';
import { pino, stdTimeFunctions, type Logger } from 'pino';
import { currentTraceIds, isTracing } from '#libs/tracing';
import { currentMessageContext } from './message-context';

export type AppLogger = Logger;

/** One JSON line per event on stdout, with ISO timestamps and the service name. */
export function createAppLogger(level: string): AppLogger {
  // Every line written while handling a request or an event carries its request id; while the
  // process traces, also the trace and span it belongs to. Chosen once: no tracing, no cost.
  const tracing = isTracing();
  return pino({
    level,
    mixin: () => {
      const context = currentMessageContext();
      const ids = context ? { reqId: context.requestId } : {};
      return tracing ? { ...ids, ...currentTraceIds() } : ids;
    },
    base: { service: 'tessera', pid: process.pid },
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

const WIRING_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

/** Routes Nest's own logging (module start-up, Logger instances) through the same pino logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: AppLogger) {}

  log(message: unknown, context?: string): void {
    // Nest's wiring chatter (one line per module and route) is for debugging, not operators.
    if (context && WIRING_CONTEXTS.has(context)) this.logger.debug({ context }, stringify(message));
    else this.logger.info({ context }, stringify(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, ...(trace ? { stack: trace } : {}) }, stringify(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, stringify(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, stringify(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, stringify(message));
  }
  fatal(message: unknown, context?: string): void {
    this.logger.fatal({ context }, stringify(message));
  }
}

function stringify(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message instanceof Error) return message.message;
  return JSON.stringify(message);
}
