/** Failures a caller of payments can cause; the HTTP layer maps each to a problem type. */
export class PaymentsError extends Error {
  constructor(
    readonly code:
      | 'payment-not-found'
      | 'payment-not-refundable'
      | 'unknown-provider'
      | 'webhook-signature-invalid'
      | 'webhook-payload-invalid'
      | 'sandbox-charge-not-found',
    message: string,
  ) {
    super(message);
  }
}
