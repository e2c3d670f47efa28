import type { DataSource, EntityManager } from 'typeorm';
import { queryPrepared, statementParameter } from '#libs/sql';
import type { CatalogEntry } from '../domain/order';
import type { Money } from '../domain/money';

export interface ProductSnapshot {
  readonly productId: string;
  readonly sku: string;
  readonly name: string;
  readonly price: Money;
  readonly status: 'draft' | 'active' | 'archived';
}

/**
 * Applies a product's complete state at `version`, unless a newer one is already applied:
 * events delivered late or twice never move the copy backwards.
 */
export async function applyProductState(
  manager: EntityManager,
  product: ProductSnapshot,
  version: number,
): Promise<void> {
  await applyProductStates(manager, [{ product, version }]);
}

/**
 * Applies several product states in one statement: per product only the newest of them,
 * and only if it is newer than what is applied (the same end state as applying them in turn).
 */
export async function applyProductStates(
  manager: EntityManager,
  states: readonly { readonly product: ProductSnapshot; readonly version: number }[],
): Promise<void> {
  const column = <T>(pick: (state: (typeof states)[number]) => T): T[] => states.map(pick);
  await manager.query(
    `INSERT INTO ordering.products AS p (product_id, sku, name, price_amount, currency, status, version, updated_at)
     SELECT DISTINCT ON (product_id) product_id, sku, name, price_amount, currency, status, version, now()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::int[])
         AS t(product_id, sku, name, price_amount, currency, status, version)
      ORDER BY product_id, version DESC
     ON CONFLICT (product_id) DO UPDATE
       SET sku = EXCLUDED.sku, name = EXCLUDED.name, price_amount = EXCLUDED.price_amount,
           currency = EXCLUDED.currency, status = EXCLUDED.status, version = EXCLUDED.version, updated_at = now()
     WHERE p.version < EXCLUDED.version`,
    [
      column((s) => s.product.productId),
      column((s) => s.product.sku),
      column((s) => s.product.name),
      column((s) => s.product.price.amount),
      column((s) => s.product.price.currency),
      column((s) => s.product.status),
      column((s) => s.version),
    ],
  );
}

/**
 * Marks a product archived at `version`. A product not known yet (its archiving overtook its
 * creation) is remembered as archived, so its late creation cannot make it sellable.
 */
export async function applyProductArchived(
  manager: EntityManager,
  productId: string,
  sku: string,
  version: number,
): Promise<void> {
  await manager.query(
    `INSERT INTO ordering.products AS p (product_id, sku, status, version, updated_at)
     VALUES ($1, $2, 'archived', $3, now())
     ON CONFLICT (product_id) DO UPDATE SET status = 'archived', version = EXCLUDED.version, updated_at = now()
     WHERE p.version < EXCLUDED.version`,
    [productId, sku, version],
  );
}

/** A product as ordering knows it, at the version of the last catalog event applied. */
export interface ProductCopy extends CatalogEntry {
  readonly version: number;
}

/** What ordering knows of these products, by id (absent: never heard of). */
export async function catalogEntries(
  dataSource: DataSource,
  productIds: readonly string[],
): Promise<Map<string, ProductCopy>> {
  const rows = await queryPrepared<{
    product_id: string;
    sku: string;
    name: string | null;
    price_amount: string | null;
    currency: string | null;
    status: CatalogEntry['status'];
    version: number;
  }>(
    dataSource,
    // One product, the usual order, by equality: a prepared `= ANY($1)` is re-planned on every
    // call, because its generic plan assumes ten elements and so always looks dearer.
    `SELECT product_id, sku, name, price_amount, currency, status, version FROM ordering.products
      WHERE ${productIds.length === 1 ? 'product_id = $1::uuid' : 'product_id = ANY($1::uuid[])'}`,
    productIds.length === 1 ? [productIds[0]] : [productIds],
  );
  return new Map(
    rows.map((row) => [
      row.product_id,
      {
        productId: row.product_id,
        sku: row.sku,
        name: row.name,
        price:
          row.price_amount === null || row.currency === null
            ? null
            : { amount: Number(row.price_amount), currency: row.currency },
        status: row.status,
        version: row.version,
      },
    ]),
  );
}

/**
 * The body of a CTE in a caller's statement that returns one row if each of these copies is
 * still at its version, none if one has moved (or gone); its values are appended to `params`.
 */
export function productCopiesUnchangedSql(params: unknown[], copies: readonly ProductCopy[]): string {
  const $ = (value: unknown, type: string) => statementParameter(params, value, type);
  if (copies.length === 1)
    return `SELECT 1 FROM ordering.products WHERE product_id = ${$(copies[0]!.productId, 'uuid')} AND version = ${$(copies[0]!.version, 'int')}`;
  return `SELECT 1 FROM ordering.products
      JOIN unnest(${$(
        copies.map((c) => c.productId),
        'uuid[]',
      )}, ${$(
        copies.map((c) => c.version),
        'int[]',
      )}) AS priced(product_id, version) USING (product_id, version)
    HAVING count(*) = ${$(copies.length, 'int')}`;
}
