import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PrimaryDatabase } from './primary-database';

export const CONSISTENCY_TOKEN_HEADER = 'consistency-token';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * After a successful write, answers with `Consistency-Token`: the primary's WAL position,
 * which now includes the write. A read that sends it back is served from data at least that
 * fresh (read-your-writes), whichever replica or cache answers it.
 *
 * A Fastify `onSend` hook rather than a global Nest interceptor: any global interceptor puts
 * every route of every method through rxjs, while only writes need this.
 */
@Injectable()
export class ConsistencyTokens implements OnModuleInit {
  constructor(
    private readonly primary: PrimaryDatabase,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost?.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    // Callback style: reads (most requests) pass through without a promise.
    fastify.addHook('onSend', (request, reply, payload, done) => {
      if (!WRITES.has(request.method) || reply.statusCode >= 400) return done(null, payload);
      this.primary.currentLsn().then(
        (lsn) => {
          void reply.header('Consistency-Token', lsn);
          done(null, payload);
        },
        // Without a token the client's next read may come from a replica: still correct data, maybe older.
        () => done(null, payload),
      );
    });
  }
}

/** The token a read request carries, if it is a WAL position. */
export function consistencyTokenOf(request: FastifyRequest): string | undefined {
  const value = request.headers[CONSISTENCY_TOKEN_HEADER];
  const token = Array.isArray(value) ? value[0] : value;
  return token && /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(token) ? token : undefined;
}
