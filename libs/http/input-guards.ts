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
 * Refuses, before any route sees it, a string PostgreSQL cannot store (else a 500 deep inside) and
 * an HTTP/1.1 request without Host (Node's own answer is not problem+json). Headers need no check:
 * Node refuses a NUL and reads Latin-1. `preValidation`: the body is parsed, whatever the controller
 * reads. Callback style: an async hook costs every request a promise.
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
