/** Why a product of an order cannot be sold. */
export interface UnavailableProduct {
  readonly productId: string;
  readonly reason: 'unknown' | 'draft' | 'archived';
}

/** Failures a caller of ordering can cause; the HTTP layer maps each to a problem type. */
export class OrderingError extends Error {
  constructor(
    readonly code:
      | 'invalid-order'
      | 'products-unavailable'
      | 'mixed-currencies'
      | 'order-not-found'
      | 'order-not-cancellable'
      | 'order-already-cancelled'
      | 'malformed-cursor'
      | 'order-backlog-full',
    message: string,
    /** For `products-unavailable`: which products, and why. */
    readonly unavailable: readonly UnavailableProduct[] = [],
    /** For `invalid-order`: the request field at fault. */
    readonly field: 'lines' | 'paymentMethod' | 'customerId' = 'lines',
  ) {
    super(message);
  }
}
