import type { ProductStatus } from '../domain/product';
import type { ProductRecord } from './product.record';

/**
 * The by-id read as one fixed statement. Every uncached `GET /v1/products/:id` runs it, and
 * TypeORM's `findOneBy` rebuilt the same SELECT from entity metadata each time: a sixth of
 * the CPU of a cache miss in a profile. The columns are `ProductRecord`'s; the statement names
 * its schema (`catalog`), as connections carry no module search_path.
 */
export const PRODUCT_BY_ID_SQL = `SELECT id, sku, name, description, category_id, category_path, price_amount, currency,
       attributes, status, version, created_at, updated_at
  FROM catalog.products WHERE id = $1`;

/** A row of `PRODUCT_BY_ID_SQL` as node-postgres returns it. */
export interface ProductRow {
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly description: string;
  readonly category_id: string;
  readonly category_path: string;
  /** bigint arrives as a string. */
  readonly price_amount: string;
  readonly currency: string;
  readonly attributes: Record<string, unknown>;
  readonly status: ProductStatus;
  readonly version: number;
  readonly created_at: Date;
  readonly updated_at: Date;
}

export function productRecordOf(row: ProductRow): ProductRecord {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    categoryId: row.category_id,
    categoryPath: row.category_path,
    priceAmount: Number(row.price_amount),
    currency: row.currency,
    attributes: row.attributes,
    status: row.status,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
