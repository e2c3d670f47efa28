/** Failures a caller of the inventory can cause; the HTTP layer maps each to a problem type. */
export class InventoryError extends Error {
  constructor(
    readonly code: 'stock-not-found' | 'below-reserved' | 'below-zero' | 'stock-limit' | 'malformed-cursor',
    message: string,
  ) {
    super(message);
  }
}
