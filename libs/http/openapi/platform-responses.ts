import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import { PROBLEM_MEDIA_TYPE, problemResponse } from './problem-responses';
import { responseHeaders } from './response-headers';

/** Operations of these tags are probes: never rate-limited, never written to. */
const PROBE_TAGS = new Set(['ops']);
const WRITES = new Set(['post', 'put', 'patch', 'delete']);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * The answers every operation of a kind can give, whatever its controller says: what the
 * server, router, validation, authentication, rate limiter and database pool answer before or
 * around a handler. Added to the document once here so no controller has to repeat them.
 */
export function documentPlatformResponses(document: OpenAPIObject): OpenAPIObject {
  const shared: Record<string, ResponseObject> = {};
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) documentOperation(method, operation, shared);
    }
  }
  document.components = { ...document.components, responses: { ...document.components?.responses, ...shared } };
  return document;
}

interface PlatformProblem {
  /** Its name in `components.responses`. */
  readonly name: string;
  readonly slugs: readonly string[];
}

function documentOperation(method: string, operation: OperationObject, shared: Record<string, ResponseObject>): void {
  const probe = (operation.tags ?? []).some((tag) => PROBE_TAGS.has(tag));
  const takesInput = (operation.parameters ?? []).length > 0 || operation.requestBody !== undefined;
  const problems: Record<number, PlatformProblem> = {
    400: operation.requestBody
      ? {
          name: 'InvalidBody',
          slugs: ['bad-request', 'malformed-url', 'validation-error', 'malformed-body', 'body-too-deep'],
        }
      : takesInput
        ? { name: 'InvalidInput', slugs: ['bad-request', 'malformed-url', 'validation-error'] }
        : { name: 'BadRequest', slugs: ['bad-request', 'malformed-url'] },
    408: { name: 'RequestTimeout', slugs: ['request-timeout'] },
    414: { name: 'UriTooLong', slugs: ['uri-too-long'] },
    431: { name: 'HeaderFieldsTooLarge', slugs: ['request-header-fields-too-large'] },
    500: { name: 'InternalError', slugs: ['internal-error'] },
    503: { name: 'ServiceUnavailable', slugs: ['service-unavailable', 'database-unavailable', 'queue-unavailable'] },
  };
  if (operation.requestBody) {
    problems[413] = { name: 'PayloadTooLarge', slugs: ['payload-too-large'] };
    problems[415] = { name: 'UnsupportedMediaType', slugs: ['unsupported-media-type'] };
  }
  if ((operation.security ?? []).length > 0) problems[401] = { name: 'Unauthorized', slugs: ['unauthorized'] };
  if (!probe) problems[429] = { name: 'TooManyRequests', slugs: ['too-many-requests'] };
  for (const [status, problem] of Object.entries(problems)) {
    // A probe's own error status answers its report (terminus JSON), which a problem+json schema would hide.
    if (probe && operation.responses[status]) continue;
    addProblems(operation, Number(status), problem, shared);
  }

  for (const [status, response] of Object.entries(operation.responses)) {
    if (!isResponse(response) || Number(status) >= 400) continue;
    const headers = { ...(probe ? {} : responseHeaders('RateLimit', 'RateLimit-Policy')) };
    if (WRITES.has(method)) Object.assign(headers, responseHeaders('Consistency-Token'));
    response.headers = { ...headers, ...response.headers };
  }
  if (method === 'get' && !probe) {
    operation.parameters = [
      ...(operation.parameters ?? []),
      {
        name: 'Consistency-Token',
        in: 'header',
        required: false,
        description: 'A token from an earlier write: the read sees at least that write.',
        schema: { type: 'string', pattern: '^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$' },
      },
    ];
  }
}

/**
 * Adds the platform's problem types to the operation's `status` response, keeping the types it
 * already names; a response of platform types only refers to one in `components.responses`.
 */
function addProblems(
  operation: OperationObject,
  status: number,
  problem: PlatformProblem,
  shared: Record<string, ResponseObject>,
): void {
  const existing = operation.responses[status];
  if (!isResponse(existing)) {
    shared[problem.name] ??= problemResponse(status, problem.slugs);
    operation.responses[status] = { $ref: `#/components/responses/${problem.name}` };
    return;
  }
  const response = problemResponse(status, [...problemSlugsOf(existing), ...problem.slugs]);
  const headers = { ...response.headers, ...existing.headers };
  operation.responses[status] = Object.keys(headers).length > 0 ? { ...response, headers } : response;
}

function problemSlugsOf(response: ResponseObject): string[] {
  const schema = response.content?.[PROBLEM_MEDIA_TYPE]?.schema as
    { allOf?: { properties?: { type?: { enum?: string[] } } }[] } | undefined;
  const types = schema?.allOf?.[1]?.properties?.type?.enum ?? [];
  return types.map((type) => type.slice(type.lastIndexOf('/') + 1));
}

function isResponse(value: unknown): value is ResponseObject {
  return typeof value === 'object' && value !== null && !('$ref' in value);
}
