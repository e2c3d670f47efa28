import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PrimaryDatabase } from './primary-database';

export const CONSISTENCY_TOKEN_HEADER = 'consistency-token';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * After a successful write, answers with `Consistency-Token`: the primary's LSN,
 * which now includes the write. A read that sends it back is served from data at least that
 * fresh (read-your-writes), whichever replica or cache answers it. A route whose write read
 * the LSN in its own round trip (`GroupCommit.commit`) sets the header itself, and no
 * read is made for it.
 *
 * A Fastify `onSend` hook rather than a global Nest interceptor: any global interceptor puts
 * every route of every method through rxjs, while only writes need this.
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
