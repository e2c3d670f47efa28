import { HttpStatus } from '@nestjs/common';
import { domainProblems } from '#libs/http';
import { ProblemException, ValidationProblem } from '#libs/http';
import { IdentityError } from '../../domain/identity-errors';

/** Maps the module's domain errors to problem+json with stable types. */
export const IdentityProblemsFilter = domainProblems(IdentityError, toProblem);

const PROBLEMS: Record<
  Exclude<IdentityError['code'], 'invalid-email' | 'weak-password' | 'malformed-cursor'>,
  [HttpStatus, string]
> = {
  'email-taken': [HttpStatus.CONFLICT, 'Email already registered'],
  'invalid-credentials': [HttpStatus.UNAUTHORIZED, 'Invalid credentials'],
  'invalid-refresh-token': [HttpStatus.UNAUTHORIZED, 'Invalid refresh token'],
  'user-not-found': [HttpStatus.NOT_FOUND, 'User not found'],
  // The type the auth guard answers when the token lacks the role: here the stored roles lack it.
  forbidden: [HttpStatus.FORBIDDEN, 'Forbidden'],
  'last-admin': [HttpStatus.CONFLICT, 'The last admin keeps the role'],
  'signing-key-managed-by-setting': [HttpStatus.CONFLICT, 'The signing key is managed by a setting'],
};

function toProblem(error: IdentityError): ProblemException {
  if (error.code === 'invalid-email') return new ValidationProblem([{ field: 'email', message: error.message }]);
  if (error.code === 'weak-password') return new ValidationProblem([{ field: 'password', message: error.message }]);
  if (error.code === 'malformed-cursor') return new ValidationProblem([{ field: 'cursor', message: error.message }]);
  const [status, title] = PROBLEMS[error.code];
  return new ProblemException(error.code, status, title, error.message);
}
