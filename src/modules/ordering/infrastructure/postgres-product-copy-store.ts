import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import { ProductCopyStore } from '../application/ports/product-copy-store';
import type { ProductCopy } from '../domain/order';
import { GroupedLookup } from './grouped-lookup';
import { ProductCopyCache } from './product-copy-cache';

/** Copies kept per process: a few MB, far more products than a sale's hot set. */
const KEPT_PRODUCT_COPIES = 10_000;

@Injectable()
export class PostgresProductCopyStore implements ProductCopyStore {
  private readonly cache = new ProductCopyCache(KEPT_PRODUCT_COPIES);
  /** One read in flight per process: what is asked meanwhile goes out together next (docs/decisions/0008-group-commit.md). */
  private readonly reads: GroupedLookup<string, ProductCopy>;

  constructor(dataSource: DataSource) {
    this.reads = new GroupedLookup((ids) => readCopies(dataSource, ids), {
      name: 'order_products',
      statements: 1,
      maxKeys: 200,
    });
  }

  async apply(manager: EntityManager, copies: readonly ProductCopy[]): Promise<void> {
    const column = <T>(pick: (copy: ProductCopy) => T): T[] => copies.map(pick);
    await queryPrepared(
      manager,
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
        column((c) => c.productId),
        column((c) => c.sku),
        column((c) => c.name),
        column((c) => c.price?.amount ?? null),
        column((c) => c.price?.currency ?? null),
        column((c) => c.status),
        column((c) => c.version),
      ],
    );
  }

  async archive(manager: EntityManager, productId: string, sku: string, version: number): Promise<void> {
    await queryPrepared(
      manager,
      `INSERT INTO ordering.products AS p (product_id, sku, status, version, updated_at)
       VALUES ($1, $2, 'archived', $3, now())
       ON CONFLICT (product_id) DO UPDATE SET status = 'archived', version = EXCLUDED.version, updated_at = now()
       WHERE p.version < EXCLUDED.version`,
      [productId, sku, version],
    );
  }

  kept(productIds: readonly string[]): ReadonlyMap<string, ProductCopy> | undefined {
    return this.cache.all(productIds);
  }

  forget(productIds: readonly string[]): void {
    this.cache.forget(productIds);
  }

  async read(productIds: readonly string[]): Promise<ReadonlyMap<string, ProductCopy>> {
    const read = await this.reads.lookup(productIds);
    this.cache.remember(read.values());
    return read;
  }
}

async function readCopies(dataSource: DataSource, productIds: readonly string[]): Promise<Map<string, ProductCopy>> {
  const rows = await queryPrepared<{
    product_id: string;
    sku: string;
    name: string | null;
    price_amount: string | null;
    currency: string | null;
    status: ProductCopy['status'];
    version: number;
  }>(
    dataSource,
    // One product by equality: a prepared `= ANY($1)` has a generic plan that always looks dearer, so it is re-planned each call.
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
