import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { databaseUnreachable } from '#libs/database';
import { RepeatedFailureLog } from '#libs/observability';
import { ProblemDetails, ProblemException, problemType } from '#libs/problems';
import { redisUnavailable } from '#libs/redis';

/** Fastify's own errors (raised before a route handler runs), by code. */
const FASTIFY_PROBLEMS: Record<string, string> = {
  FST_ERR_BAD_URL: 'malformed-url',
  FST_ERR_MAX_PARAM_LENGTH: 'uri-too-long',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed-body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'malformed-body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-body',
};

/** The problem type of a status that has no more specific one. */
export const STATUS_SLUGS: Readonly<Record<number, string>> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  408: 'request-timeout',
  409: 'conflict',
  412: 'precondition-failed',
  413: 'payload-too-large',
  414: 'uri-too-long',
  415: 'unsupported-media-type',
  417: 'expectation-failed',
  422: 'unprocessable-content',
  428: 'precondition-required',
  429: 'too-many-requests',
  431: 'request-header-fields-too-large',
  503: 'service-unavailable',
};

/** `Cannot PROPFIND /v1/products`: Nest's answer for a method and path no route serves. */
const NO_ROUTE = /^Cannot [A-Z][A-Z0-9_-]* \//;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** What a problem response carries: the body and any headers of its own (e.g. Retry-After). */
export interface ProblemResponse {
  readonly problem: ProblemDetails;
  readonly headers: Record<string, string>;
}

const logger = new Logger('Http');

/**
 * Refusals (503: the database out of reach, the saga full) come by the thousand while their cause
 * lasts: each problem type's are summed up in one log, shared by every instance of the filter.
 */
const refusals = new Map<string, RepeatedFailureLog>();

function refusalLog(type: string): RepeatedFailureLog {
  let log = refusals.get(type);
  if (!log) {
    log = new RepeatedFailureLog(logger, `refusing requests with 503 ${type}`, 'when-quiet');
    refusals.set(type, log);
  }
  return log;
}

/**
 * Every error leaves as problem+json with a stable `type`; an unreachable database or exhausted pool
 * is a 503 with `Retry-After`; unexpected errors are logged one by one, with their stack, and
 * answered with a generic 500.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const { problem, headers } = problemFor(exception, request);
    if (problem.status >= 500) {
      const line = `${request.method} ${request.url} -> ${problem.status} [${request.id}]: ${exception instanceof Error ? exception.message : String(exception)}`;
      if (problem.status === HttpStatus.SERVICE_UNAVAILABLE) refusalLog(problem.type).failed(line);
      else logger.error(line, exception instanceof Error ? exception.stack : undefined);
    }
    void reply
      .status(problem.status)
      .headers({ ...headers, 'content-type': PROBLEM_CONTENT_TYPE })
      .send(JSON.stringify(problem));
  }
}

/** Nest wraps Fastify's errors in an HttpException's `cause`; the router's come as they are. */
function fastifyProblem(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? FASTIFY_PROBLEMS[code] : undefined;
}

/** The problem+json answer to an error raised while serving `request`. */
export function problemFor(exception: unknown, request: FastifyRequest): ProblemResponse {
  const base = { instance: request.url.split('?')[0], requestId: request.id };
  if (exception instanceof ProblemException) {
    const status = exception.getStatus();
    return {
      problem: {
        type: problemType(exception.slug),
        title: exception.title,
        status,
        detail: exception.message,
        ...base,
        ...exception.extensions,
      },
      headers: exception.headers,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'object' && response && 'message' in response
        ? (response as { message: unknown }).message
        : exception.message;
    const detail = Array.isArray(message) ? message.join('; ') : String(message);
    const slug =
      fastifyProblem(exception.cause) ??
      (status === 404 && NO_ROUTE.test(detail) ? 'route-not-found' : (STATUS_SLUGS[status] ?? 'http-error'));
    return {
      problem: { type: problemType(slug), title: STATUS_CODES[status] ?? 'Error', status, detail, ...base },
      headers: {},
    };
  }
  const fastifyError = exception as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const status = fastifyError.statusCode;
    const slug = fastifyProblem(exception) ?? STATUS_SLUGS[status] ?? 'bad-request';
    const detail = typeof fastifyError.message === 'string' ? fastifyError.message : undefined;
    return {
      problem: {
        type: problemType(slug),
        title: STATUS_CODES[status] ?? 'Error',
        status,
        ...(detail ? { detail } : {}),
        ...base,
      },
      headers: {},
    };
  }
  if (databaseUnreachable(exception)) {
    // Busy or briefly gone, not broken: the client may retry, and idempotent retries are safe.
    return unavailable('database-unavailable', 'the database could not take this request now; retry shortly', base);
  }
  if (redisUnavailable(exception)) {
    // A job the request must queue (a provider webhook's, a redelivery) could not be: Redis is
    // full, failing over or out of reach. What the request recorded stays; a retry queues it.
    return unavailable('queue-unavailable', 'the queue could not take this request now; retry shortly', base);
  }
  return {
    problem: {
      type: problemType('internal-error'),
      title: 'Internal Server Error',
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      detail: 'an unexpected error occurred; quote the request id when reporting it',
      ...base,
    },
    headers: {},
  };
}

/** A 503 the client may retry after a second: a dependency is briefly out of reach. */
function unavailable(slug: string, detail: string, base: { instance: string; requestId: string }): ProblemResponse {
  return {
    problem: {
      type: problemType(slug),
      title: 'Service Unavailable',
      status: HttpStatus.SERVICE_UNAVAILABLE,
      detail,
      ...base,
    },
    headers: { 'retry-after': '1' },
  };
}
