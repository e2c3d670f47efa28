import type { FastifyReply, FastifyRequest } from 'fastify';
import { CONSISTENCY_TOKEN_HEADER } from '#libs/database';
import type { IdempotentRequest, IdempotentResponse } from './idempotency-keys';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Set on a response that is the stored answer to an earlier request with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

/** What an idempotency key is checked against, from a Fastify request; `scope` is usually the caller's id. */
export function idempotentRequest(request: FastifyRequest, scope: string): IdempotentRequest {
  return {
    scope,
    key: request.headers[IDEMPOTENCY_KEY_HEADER],
    method: request.method,
    path: request.url.split('?')[0] ?? request.url,
    body: request.body,
    requestId: request.id,
  };
}

/**
 * Puts an idempotent response's status and content type on the reply and returns its body
 * (already JSON) for the route handler to return as is.
 */
export function sendIdempotentResponse(reply: FastifyReply, response: IdempotentResponse): string {
  void reply
    .status(response.status)
    .type(response.status >= 400 ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8');
  if (response.replayed) void reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
  // Its write read the token already: `ConsistencyTokens` leaves a token set here as it is.
  if (response.consistencyToken) void reply.header(CONSISTENCY_TOKEN_HEADER, response.consistencyToken);
  return response.body;
}
