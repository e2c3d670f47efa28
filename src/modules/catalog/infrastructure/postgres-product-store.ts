import { Injectable } from '@nestjs/common';
import { QueryFailedError, type DataSource, type EntityManager, type Repository } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import type { ActiveProductsQuery, ProductStore, StoredProduct } from '../application/ports/product-store';
import type { ProductSort } from '../domain/product-cursor';
import { ProductRecord } from './product.record';

// The by-id read runs on every cache miss of `GET /v1/products/:id`: one fixed prepared
// statement (docs/decisions/0009-prepared-statements.md). The others go through TypeORM.
export const PRODUCT_BY_ID_SQL = `SELECT id, sku, name, description, category_id, category_path, price_amount, currency,
       attributes, status, version, created_at, updated_at
  FROM catalog.products WHERE id = $1`;

type ProductRow = Omit<StoredProduct, 'categoryId' | 'categoryPath' | 'priceAmount' | 'createdAt' | 'updatedAt'> & {
  readonly category_id: string;
  readonly category_path: string;
  /** bigint arrives as a string. */
  readonly price_amount: string;
  readonly created_at: Date;
  readonly updated_at: Date;
};

const ORDER: Record<ProductSort, { column: string; direction: 'ASC' | 'DESC'; op: '<' | '>' }> = {
  newest: { column: 'p.created_at', direction: 'DESC', op: '<' },
  price_asc: { column: 'p.price_amount', direction: 'ASC', op: '>' },
  price_desc: { column: 'p.price_amount', direction: 'DESC', op: '<' },
};

@Injectable()
export class PostgresProductStore implements ProductStore {
  async byId(on: DataSource, id: string): Promise<StoredProduct | undefined> {
    const [row] = await queryPrepared<ProductRow>(on, PRODUCT_BY_ID_SQL, [id]);
    if (!row) return undefined;
    const { category_id, category_path, price_amount, created_at, updated_at, ...named } = row;
    const renamed = {
      categoryId: category_id,
      categoryPath: category_path,
      createdAt: created_at,
      updatedAt: updated_at,
    };
    return { ...named, ...renamed, priceAmount: Number(price_amount) };
  }

  active(on: DataSource, query: ActiveProductsQuery): Promise<StoredProduct[]> {
    const { categoryPath, minPrice, maxPrice, text, sort, limit, after } = query;
    const order = ORDER[sort];
    const builder = on
      .getRepository(ProductRecord)
      .createQueryBuilder('p')
      .where(`p.status = 'active'`)
      .orderBy(order.column, order.direction)
      .addOrderBy('p.id', order.direction)
      .limit(limit);
    if (categoryPath !== undefined) builder.andWhere('p.category_path LIKE :path', { path: `${categoryPath}%` });
    if (minPrice !== undefined) builder.andWhere('p.price_amount >= :minPrice', { minPrice });
    if (maxPrice !== undefined) builder.andWhere('p.price_amount <= :maxPrice', { maxPrice });
    if (text !== undefined) builder.andWhere(`p.search @@ websearch_to_tsquery('simple', :text)`, { text });
    if (after) builder.andWhere(`(${order.column}, p.id) ${order.op} (:key, :id)`, { key: after.key, id: after.id });
    return builder.getMany();
  }

  lock(manager: EntityManager, id: string): Promise<StoredProduct | null> {
    return manager.getRepository(ProductRecord).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async insert(manager: EntityManager, product: StoredProduct): Promise<boolean> {
    try {
      // TypeORM's insert typing does not accept a free-form jsonb object; the product is complete.
      await manager.getRepository(ProductRecord).insert(product as Parameters<Repository<ProductRecord>['insert']>[0]);
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async save(manager: EntityManager, product: StoredProduct): Promise<void> {
    await manager.getRepository(ProductRecord).save(product);
  }

  async archive(manager: EntityManager, id: string, version: number): Promise<void> {
    await manager.getRepository(ProductRecord).update({ id }, { status: 'archived', version, updatedAt: new Date() });
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505';
}
