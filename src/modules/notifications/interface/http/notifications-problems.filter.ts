import { HttpStatus } from '@nestjs/common';
import { domainProblems } from '#libs/http';
import { ProblemException, ValidationProblem } from '#libs/problems';
import { NotificationsError } from '../../domain/notification-errors';

/** Maps the module's domain errors to problem+json with stable types. */
export const NotificationsProblemsFilter = domainProblems(NotificationsError, toProblem);

function toProblem(error: NotificationsError): ProblemException {
  switch (error.code) {
    case 'invalid-webhook-url':
      return new ValidationProblem([{ field: 'url', message: error.message }]);
    case 'malformed-cursor':
      return new ValidationProblem([{ field: 'cursor', message: error.message }]);
    case 'webhook-target-not-allowed':
      return new ProblemException(
        'webhook-target-not-allowed',
        HttpStatus.UNPROCESSABLE_ENTITY,
        'Webhook target not allowed',
        error.message,
      );
    case 'webhook-endpoint-not-found':
      return new ProblemException(
        'webhook-endpoint-not-found',
        HttpStatus.NOT_FOUND,
        'Webhook endpoint not found',
        error.message,
      );
    case 'webhook-delivery-not-found':
      return new ProblemException(
        'webhook-delivery-not-found',
        HttpStatus.NOT_FOUND,
        'Webhook delivery not found',
        error.message,
      );
  }
}
