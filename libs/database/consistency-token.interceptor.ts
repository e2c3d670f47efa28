import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, mergeMap, Observable } from 'rxjs';
import { PrimaryDatabase } from './primary-database';

export const CONSISTENCY_TOKEN_HEADER = 'consistency-token';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * After a successful write, answers with `Consistency-Token`: the primary's WAL position,
 * which now includes the write. A read that sends it back is served from data at least that
 * fresh (read-your-writes), whichever replica or cache answers it.
 */
@Injectable()
export class ConsistencyTokenInterceptor implements NestInterceptor {
  constructor(private readonly primary: PrimaryDatabase) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || !WRITES.has(context.switchToHttp().getRequest<FastifyRequest>().method))
      return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      mergeMap((body: unknown) =>
        from(
          this.primary.currentLsn().then(
            (lsn) => {
              void reply.header('Consistency-Token', lsn);
              return body;
            },
            () => body,
          ),
        ),
      ),
    );
  }
}

/** The token a read request carries, if it is a WAL position. */
export function consistencyTokenOf(request: FastifyRequest): string | undefined {
  const value = request.headers[CONSISTENCY_TOKEN_HEADER];
  const token = Array.isArray(value) ? value[0] : value;
  return token && /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(token) ? token : undefined;
}
