import { HttpStatus } from '@nestjs/common';
import { domainProblems } from '#libs/http';
import { ProblemException } from '#libs/problems';
import { PaymentsError } from '../../domain/payment-errors';

/** Each error code is its problem type. */
const PROBLEMS: Record<PaymentsError['code'], readonly [HttpStatus, string]> = {
  'payment-not-found': [HttpStatus.NOT_FOUND, 'No such payment'],
  'payment-not-refundable': [HttpStatus.CONFLICT, 'Only a payment that succeeded can be refunded'],
  'sandbox-charge-not-found': [HttpStatus.NOT_FOUND, 'No such sandbox charge'],
  'unknown-provider': [HttpStatus.NOT_FOUND, 'No such payment provider'],
  'webhook-signature-invalid': [HttpStatus.BAD_REQUEST, 'The webhook signature does not verify'],
  'webhook-payload-invalid': [HttpStatus.BAD_REQUEST, 'The webhook body is not an event of this provider'],
};

/** Maps the module's domain errors to problem+json with stable types. */
export const PaymentsProblemsFilter = domainProblems(PaymentsError, (error: PaymentsError) => {
  const [status, title] = PROBLEMS[error.code];
  return new ProblemException(error.code, status, title, error.message);
});
