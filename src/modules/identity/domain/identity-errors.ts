/** Failures a caller of the identity context can cause; the HTTP layer maps each to a problem type. */
export class IdentityError extends Error {
  constructor(
    readonly code:
      | 'invalid-email'
      | 'weak-password'
      | 'email-taken'
      | 'invalid-credentials'
      | 'invalid-refresh-token'
      | 'user-not-found'
      | 'forbidden'
      | 'last-admin'
      | 'malformed-cursor'
      | 'signing-key-managed-by-setting',
    message: string,
  ) {
    super(message);
  }
}
