import type { ProductCopy } from '../domain/order';

/**
 * The product copies this process priced orders from lately, so that placing an order needs
 * no read of them (docs/decisions/0010-cache-hit-fast-path.md). Nothing here is trusted: the
 * order's statement writes nothing if a copy has moved (`PostgresOrderPlacementWriter`). Only
 * products for sale are kept, so a refusal is always decided on a fresh read.
 */
export class ProductCopyCache {
  private readonly copies = new Map<string, ProductCopy>();

  /** @param capacity copies kept at most; beyond it the longest kept goes first */
  constructor(private readonly capacity: number) {}

  /** The copies of all these products, or undefined if one of them is not kept. */
  all(productIds: readonly string[]): Map<string, ProductCopy> | undefined {
    const found = new Map<string, ProductCopy>();
    for (const id of productIds) {
      const copy = this.copies.get(id);
      if (!copy) return undefined;
      found.set(id, copy);
    }
    return found;
  }

  /** Keeps these copies, unless it holds a newer one (a read that started earlier ends later). */
  remember(copies: Iterable<ProductCopy>): void {
    for (const copy of copies) {
      const held = this.copies.get(copy.productId);
      if (held && held.version > copy.version) continue;
      this.copies.delete(copy.productId);
      if (copy.status !== 'active') continue;
      if (this.copies.size >= this.capacity) this.copies.delete(this.copies.keys().next().value!);
      this.copies.set(copy.productId, copy);
    }
  }

  forget(productIds: readonly string[]): void {
    for (const id of productIds) this.copies.delete(id);
  }
}
