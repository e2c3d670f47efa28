import type { DataSource, EntityManager } from 'typeorm';
import type { ProductState } from '../../domain/product';
import type { ProductCursor, ProductSort } from '../../domain/product-cursor';

/** A product as stored: its price in two columns, its category's path copied in (a prefix finds descendants). */
export interface StoredProduct extends Omit<ProductState, 'price'> {
  readonly categoryPath: string;
  readonly priceAmount: number;
  readonly currency: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A keyset page of active products, in `sort` order (then id), strictly after `after`. */
export interface ActiveProductsQuery {
  readonly categoryPath?: string;
  readonly minPrice?: number;
  readonly maxPrice?: number;
  /** A `websearch_to_tsquery` search. */
  readonly text?: string;
  readonly sort: ProductSort;
  readonly limit: number;
  readonly after?: ProductCursor;
}

/** Products. Reads run on the server `ReadDataSource` chose; writes in the caller's transaction. */
export abstract class ProductStore {
  abstract byId(on: DataSource, id: string): Promise<StoredProduct | undefined>;
  abstract active(on: DataSource, query: ActiveProductsQuery): Promise<StoredProduct[]>;
  abstract lock(manager: EntityManager, id: string): Promise<StoredProduct | null>;
  /** False when another product has its SKU. */
  abstract insert(manager: EntityManager, product: StoredProduct): Promise<boolean>;
  abstract save(manager: EntityManager, product: StoredProduct): Promise<void>;
  abstract archive(manager: EntityManager, id: string, version: number): Promise<void>;
}
