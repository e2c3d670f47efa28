import type { EntityManager } from 'typeorm';
import type { ProductCopy } from '../../domain/order';

/** Ordering's copies of catalog products: the only source of the prices orders are placed at. */
export abstract class ProductCopyStore {
  /**
   * Applies these states in the caller's transaction: per product only the newest, and only if
   * newer than the applied one, so late or repeated events never move a copy backwards.
   */
  abstract apply(manager: EntityManager, copies: readonly ProductCopy[]): Promise<void>;

  /**
   * Marks a product archived at `version`. One not known yet (its archiving overtook its
   * creation) is kept as archived, so its late creation cannot make it sellable.
   */
  abstract archive(manager: EntityManager, productId: string, sku: string, version: number): Promise<void>;

  /**
   * The copies this process priced from lately, for all of these products, or undefined if one
   * is not kept. Unchecked: a placement priced from them is written only if none has moved.
   */
  abstract kept(productIds: readonly string[]): ReadonlyMap<string, ProductCopy> | undefined;

  /** Drops kept copies found to have moved. */
  abstract forget(productIds: readonly string[]): void;

  /** Reads the copies (absent: never heard of) and keeps those for sale. */
  abstract read(productIds: readonly string[]): Promise<ReadonlyMap<string, ProductCopy>>;
}
