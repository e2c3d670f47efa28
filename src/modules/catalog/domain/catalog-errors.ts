/** Failures a caller of the catalog can cause; the HTTP layer maps each to a problem type. */
export class CatalogError extends Error {
  constructor(
    readonly code:
      | 'invalid-price'
      | 'unknown-category'
      | 'sku-taken'
      | 'slug-taken'
      | 'product-not-found'
      | 'stale-product'
      | 'invalid-transition'
      | 'malformed-cursor',
    message: string,
  ) {
    super(message);
  }
}
