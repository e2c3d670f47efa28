import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemException, ValidationProblem, type FieldViolation } from '#libs/problems';
import { findUnstorableText } from './unstorable-text';

/** The first path parameter, query parameter or body string of the request PostgreSQL would refuse. */
export function unstorableTextIn(request: FastifyRequest): FieldViolation | undefined {
  return (
    findUnstorableText(request.params, '') ?? findUnstorableText(request.query, '') ?? findUnstorableText(request.body)
  );
}

/** 400 `bad-request`: an HTTP/1.1 request without the Host header it must carry (RFC 9112, 3.2). */
export class MissingHostProblem extends ProblemException {
  constructor() {
    super('bad-request', 400, 'Bad Request', 'an HTTP/1.1 request must carry a Host header');
  }
}

/**
 * Refuses, before any route, guard or pipe sees it, input that would otherwise fail deep
 * inside as a 500: a string PostgreSQL cannot store, anywhere in the path parameters, the
 * query or the body (400 `validation-error` naming the field, like any invalid field). Headers
 * need no check: Node's HTTP parser refuses a NUL in a header (400), and header values are
 * read as Latin-1, which has no surrogates.
 *
 * Also answers an HTTP/1.1 request without Host (Node's own check, turned off in
 * `createHttpApp`, answers it with an empty 400 that is not problem+json).
 *
 * A `preValidation` hook: after the body is parsed, for every route, whatever the controller
 * reads (`@Body()`, `@Param()`, or `request.params` itself). Callback style, as an async hook
 * would cost every request a promise.
 */
export function installInputGuards(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', (request, _reply, done) => {
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
      done(new MissingHostProblem());
      return;
    }
    const violation = unstorableTextIn(request);
    done(violation ? new ValidationProblem([violation]) : undefined);
  });
}
