/** Failures a caller of the notifications context can cause; the HTTP layer maps each to a problem type. */
export class NotificationsError extends Error {
  constructor(
    readonly code:
      | 'invalid-webhook-url'
      | 'webhook-target-not-allowed'
      | 'webhook-endpoint-not-found'
      | 'webhook-delivery-not-found'
      | 'malformed-cursor',
    message: string,
  ) {
    super(message);
  }
}
