import { HttpStatus } from '@nestjs/common';
import { domainProblems } from '#libs/http';
import { ProblemException, ValidationProblem } from '#libs/problems';
import { NotificationsError } from '../../domain/notification-errors';

/** Maps the module's domain errors to problem+json with stable types. */
export const NotificationsProblemsFilter = domainProblems(NotificationsError, toProblem);

const PROBLEMS: Record<
  Exclude<NotificationsError['code'], 'invalid-webhook-url' | 'malformed-cursor'>,
  [HttpStatus, string]
> = {
  'webhook-target-not-allowed': [HttpStatus.UNPROCESSABLE_ENTITY, 'Webhook target not allowed'],
  'webhook-endpoint-not-found': [HttpStatus.NOT_FOUND, 'Webhook endpoint not found'],
  'webhook-delivery-not-found': [HttpStatus.NOT_FOUND, 'Webhook delivery not found'],
};

function toProblem(error: NotificationsError): ProblemException {
  if (error.code === 'invalid-webhook-url') return new ValidationProblem([{ field: 'url', message: error.message }]);
  if (error.code === 'malformed-cursor') return new ValidationProblem([{ field: 'cursor', message: error.message }]);
  const [status, title] = PROBLEMS[error.code];
  return new ProblemException(error.code, status, title, error.message);
}
