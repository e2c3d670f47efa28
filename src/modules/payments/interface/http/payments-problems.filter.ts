import { HttpStatus } from '@nestjs/common';
import { domainProblems } from '#libs/http';
import { ProblemException } from '#libs/problems';
import { PaymentsError } from '../../domain/payment-errors';

/** Maps the module's domain errors to problem+json with stable types. */
export const PaymentsProblemsFilter = domainProblems(PaymentsError, toProblem);

function toProblem(error: PaymentsError): ProblemException {
  switch (error.code) {
    case 'payment-not-found':
      return new ProblemException('payment-not-found', HttpStatus.NOT_FOUND, 'No such payment', error.message);
    case 'payment-not-refundable':
      return new ProblemException(
        'payment-not-refundable',
        HttpStatus.CONFLICT,
        'Only a payment that succeeded can be refunded',
        error.message,
      );
    case 'sandbox-charge-not-found':
      return new ProblemException(
        'sandbox-charge-not-found',
        HttpStatus.NOT_FOUND,
        'No such sandbox charge',
        error.message,
      );
    case 'unknown-provider':
      return new ProblemException('unknown-provider', HttpStatus.NOT_FOUND, 'No such payment provider', error.message);
    case 'webhook-signature-invalid':
      return new ProblemException(
        'webhook-signature-invalid',
        HttpStatus.BAD_REQUEST,
        'The webhook signature does not verify',
        error.message,
      );
    case 'webhook-payload-invalid':
      return new ProblemException(
        'webhook-payload-invalid',
        HttpStatus.BAD_REQUEST,
        'The webhook body is not an event of this provider',
        error.message,
      );
  }
}
