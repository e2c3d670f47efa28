import { HttpStatus } from '@nestjs/common';
import { domainProblems } from '#libs/http';
import { ProblemException, ValidationProblem } from '#libs/problems';
import { BACKLOG_RETRY_AFTER_SECONDS } from '../../application/backlog-gate';
import { OrderingError } from '../../domain/ordering-errors';

/** Maps the module's domain errors to problem+json with stable types. */
export const OrderingProblemsFilter = domainProblems(OrderingError, toProblem);

/** The problem for an ordering error, or undefined for any other error (for idempotent routes). */
export function orderingProblemOf(error: unknown): ProblemException | undefined {
  return error instanceof OrderingError ? toProblem(error) : undefined;
}

function toProblem(error: OrderingError): ProblemException {
  switch (error.code) {
    case 'invalid-order':
      return new ValidationProblem([{ field: error.field, message: error.message }]);
    case 'malformed-cursor':
      return new ValidationProblem([{ field: 'cursor', message: error.message }]);
    case 'products-unavailable':
      return new ProblemException(
        'products-unavailable',
        HttpStatus.UNPROCESSABLE_ENTITY,
        'Products not for sale',
        error.message,
        { products: error.unavailable.map((p) => ({ productId: p.productId, reason: p.reason })) },
      );
    case 'mixed-currencies':
      return new ProblemException(
        'mixed-currencies',
        HttpStatus.UNPROCESSABLE_ENTITY,
        'Mixed currencies',
        error.message,
      );
    case 'order-not-found':
      return new ProblemException('order-not-found', HttpStatus.NOT_FOUND, 'Order not found', error.message);
    case 'order-not-cancellable':
      return new ProblemException(
        'order-not-cancellable',
        HttpStatus.CONFLICT,
        'Order can no longer be cancelled',
        error.message,
      );
    case 'order-already-cancelled':
      return new ProblemException(
        'order-already-cancelled',
        HttpStatus.CONFLICT,
        'Order already cancelled',
        error.message,
      );
    case 'order-backlog-full':
      return new ProblemException(
        'order-backlog-full',
        HttpStatus.SERVICE_UNAVAILABLE,
        'Too many orders in progress',
        error.message,
        {},
        { 'Retry-After': String(BACKLOG_RETRY_AFTER_SECONDS) },
      );
  }
}
