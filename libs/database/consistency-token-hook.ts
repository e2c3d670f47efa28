import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PrimaryDatabase } from './primary-database';

export const CONSISTENCY_TOKEN_HEADER = 'consistency-token';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * `Consistency-Token` after a write (docs/decisions/0019-read-replicas-and-consistency-tokens.md), unless
 * the route set it. An `onSend` hook, not an interceptor (docs/decisions/0011-no-nest-interceptors-on-hot-paths.md).
 */
export function answerWritesWithConsistencyTokens(fastify: FastifyInstance, primary: PrimaryDatabase): void {
  // Callback style: reads (most requests) pass through without a promise.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (!WRITES.has(request.method) || reply.statusCode >= 400 || reply.hasHeader(CONSISTENCY_TOKEN_HEADER)) {
      return done(null, payload);
    }
    primary.currentLsn().then(
      (lsn) => {
        void reply.header(CONSISTENCY_TOKEN_HEADER, lsn);
        done(null, payload);
      },
      // Without a token the client's next read may come from a replica: still correct data, maybe older.
      () => done(null, payload),
    );
  });
}

/** The token a read request carries, if it is an LSN. */
export function consistencyTokenOf(request: FastifyRequest): string | undefined {
  const value = request.headers[CONSISTENCY_TOKEN_HEADER];
  const token = Array.isArray(value) ? value[0] : value;
  return token && /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(token) ? token : undefined;
}
