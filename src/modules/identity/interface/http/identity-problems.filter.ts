import { HttpStatus } from '@nestjs/common';
import { domainProblems } from '#libs/http';
import { ProblemException, ValidationProblem } from '#libs/http';
import { IdentityError } from '../../domain/identity-errors';

/** Maps the module's domain errors to problem+json with stable types. */
export const IdentityProblemsFilter = domainProblems(IdentityError, toProblem);

function toProblem(error: IdentityError): ProblemException {
  switch (error.code) {
    case 'invalid-email':
      return new ValidationProblem([{ field: 'email', message: error.message }]);
    case 'weak-password':
      return new ValidationProblem([{ field: 'password', message: error.message }]);
    case 'email-taken':
      return new ProblemException('email-taken', HttpStatus.CONFLICT, 'Email already registered', error.message);
    case 'invalid-credentials':
      return new ProblemException('invalid-credentials', HttpStatus.UNAUTHORIZED, 'Invalid credentials', error.message);
    case 'invalid-refresh-token':
      return new ProblemException(
        'invalid-refresh-token',
        HttpStatus.UNAUTHORIZED,
        'Invalid refresh token',
        error.message,
      );
    case 'user-not-found':
      return new ProblemException('user-not-found', HttpStatus.NOT_FOUND, 'User not found', error.message);
    case 'signing-key-managed-by-setting':
      return new ProblemException(
        'signing-key-managed-by-setting',
        HttpStatus.CONFLICT,
        'The signing key is managed by a setting',
        error.message,
      );
  }
}
