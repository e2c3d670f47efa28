import type { EntityManager } from 'typeorm';
import type { ProductCopy } from '../../domain/order';

/** Ordering's copies of catalog products: the only source of the prices orders are placed at. */
export abstract class ProductCopyStore {
  /** Only a state newer than the applied one counts, so late or repeated events never move a copy backwards. */
  abstract apply(manager: EntityManager, copies: readonly ProductCopy[]): Promise<void>;

  /** An unknown product is kept as archived, so a creation overtaken by its archiving cannot make it sellable. */
  abstract archive(manager: EntityManager, productId: string, sku: string, version: number): Promise<void>;

  /**
   * Kept copies, unchecked: a placement priced from them is written only if none moved
   * (docs/decisions/0029-ordering-prices-from-kept-product-copies.md).
   */
  abstract kept(productIds: readonly string[]): ReadonlyMap<string, ProductCopy> | undefined;

  /** Drops kept copies found to have moved. */
  abstract forget(productIds: readonly string[]): void;

  /** Reads the copies (absent: never heard of) and keeps those for sale. */
  abstract read(productIds: readonly string[]): Promise<ReadonlyMap<string, ProductCopy>>;
}
