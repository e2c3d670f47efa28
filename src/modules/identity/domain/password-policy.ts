import { IdentityError } from './identity-errors';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * Length is what makes a password strong (NIST SP 800-63B): at least 10 characters, at most
 * 128 (hashing cost), and not just the email again.
 */
export function assertAcceptablePassword(password: string, email: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new IdentityError(
      'weak-password',
      `password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
    );
  }
  if (password.trim().toLowerCase() === email.toLowerCase()) {
    throw new IdentityError('weak-password', 'password must not be the email address');
  }
}
