import type { FastifyInstance } from 'fastify';
import { runInMessageContext } from './message-context';

/**
 * Runs each HTTP request's handler inside a message context keyed by its request id.
 *
 * A Fastify `preHandler` hook rather than a Nest interceptor, which would put every route's
 * handler through rxjs (docs/decisions/0011). `preHandler` runs after the body is parsed (the
 * body's stream events would otherwise run outside the context) and calls the route handler,
 * guards included, synchronously from `done`, so all of its work inherits it.
 */
export function installMessageContext(fastify: FastifyInstance): void {
  fastify.addHook('preHandler', (request, _reply, done) => {
    const id = String(request.id);
    runInMessageContext({ requestId: id, correlationId: id, causationId: id }, done);
  });
}
