import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { DataSource } from 'typeorm';
import { ReadCache } from '#libs/cache';
import { ReadDataSource } from '#libs/database';
import { PRODUCT_LISTS } from './get-product.handler';
import { CatalogError } from '../../domain/catalog-errors';
import { decodeCursor, encodeCursor, type ProductSort } from '../../domain/product-cursor';
import { searchText } from '../../domain/search-text';
import { CategoryRecord } from '../../infrastructure/category.record';
import { ProductRecord } from '../../infrastructure/product.record';
import { productView, type ProductView } from '../product-view';

export interface ProductFilters {
  readonly categoryId?: string;
  readonly minPrice?: number;
  readonly maxPrice?: number;
  readonly text?: string;
}

export interface ProductPage {
  readonly items: ProductView[];
  readonly next: string | null;
}

export class ListProducts extends Query<ProductPage> {
  constructor(
    readonly filters: ProductFilters,
    readonly sort: ProductSort,
    readonly limit: number,
    readonly cursor: string | undefined,
    readonly atLeastLsn?: string,
  ) {
    super();
  }
}

/** A page's key in the `PRODUCT_LISTS` cache namespace. */
export function productPageKey(query: ListProducts): string {
  return JSON.stringify([query.filters, query.sort, query.limit, query.cursor ?? null]);
}

const ORDER: Record<ProductSort, { column: string; direction: 'ASC' | 'DESC'; op: '<' | '>' }> = {
  newest: { column: 'p.created_at', direction: 'DESC', op: '<' },
  price_asc: { column: 'p.price_amount', direction: 'ASC', op: '>' },
  price_desc: { column: 'p.price_amount', direction: 'DESC', op: '<' },
};

/**
 * Active products, filtered, in keyset pages: each page continues strictly after the last
 * row of the previous one (sort key, then id), so products inserted during a walk never
 * shift it and every product appears exactly once.
 */
@QueryHandler(ListProducts)
export class ListProductsHandler implements IQueryHandler<ListProducts> {
  constructor(
    private readonly reads: ReadDataSource,
    private readonly cache: ReadCache,
  ) {}

  execute(query: ListProducts): Promise<ProductPage> {
    return this.cache.getInNamespace(
      PRODUCT_LISTS,
      productPageKey(query),
      () => this.reads.query((dataSource) => this.load(dataSource, query), query.atLeastLsn),
      query.atLeastLsn,
    );
  }

  private async load(dataSource: DataSource, query: ListProducts): Promise<ProductPage> {
    const order = ORDER[query.sort];
    const builder = dataSource
      .getRepository(ProductRecord)
      .createQueryBuilder('p')
      .where(`p.status = 'active'`)
      .orderBy(order.column, order.direction)
      .addOrderBy('p.id', order.direction)
      .limit(query.limit + 1);
    const { categoryId, minPrice, maxPrice, text } = query.filters;
    if (categoryId) {
      const category = await dataSource.getRepository(CategoryRecord).findOneBy({ id: categoryId });
      if (!category) throw new CatalogError('unknown-category', `category ${categoryId} does not exist`);
      builder.andWhere('p.category_path LIKE :path', { path: `${category.path}%` });
    }
    if (minPrice !== undefined) builder.andWhere('p.price_amount >= :minPrice', { minPrice });
    if (maxPrice !== undefined) builder.andWhere('p.price_amount <= :maxPrice', { maxPrice });
    if (text) builder.andWhere(`p.search @@ websearch_to_tsquery('simple', :text)`, { text: searchText(text) });
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor, query.sort);
      builder.andWhere(`(${order.column}, p.id) ${order.op} (:key, :id)`, { key: cursor.key, id: cursor.id });
    }
    const rows = await builder.getMany();
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const next =
      rows.length > query.limit && last
        ? encodeCursor({
            sort: query.sort,
            key: query.sort === 'newest' ? last.createdAt.toISOString() : last.priceAmount,
            id: last.id,
          })
        : null;
    return { items: page.map(productView), next };
  }
}
