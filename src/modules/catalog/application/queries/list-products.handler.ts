import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { DataSource } from 'typeorm';
import { ReadCache } from '#libs/cache';
import { ReadDataSource } from '#libs/database';
import { PRODUCT_LISTS } from './get-product.handler';
import { CatalogError } from '../../domain/catalog-errors';
import { decodeCursor, encodeCursor, type ProductSort } from '../../domain/product-cursor';
import { searchText } from '../../domain/search-text';
import { CategoryStore } from '../ports/category-store';
import { ProductStore } from '../ports/product-store';
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

/** Active products, filtered, in keyset pages: products inserted during a walk never shift it. */
@QueryHandler(ListProducts)
export class ListProductsHandler implements IQueryHandler<ListProducts> {
  constructor(
    private readonly reads: ReadDataSource,
    private readonly cache: ReadCache,
    private readonly products: ProductStore,
    private readonly categories: CategoryStore,
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
    const { sort, limit, filters } = query;
    const { categoryId, minPrice, maxPrice, text } = filters;
    const category = categoryId ? await this.categories.byId(categoryId, dataSource) : undefined;
    if (categoryId && !category) throw new CatalogError('unknown-category', `category ${categoryId} does not exist`);
    const after = query.cursor ? decodeCursor(query.cursor, sort) : undefined;
    const search = { categoryPath: category?.path, minPrice, maxPrice, text: text ? searchText(text) : undefined };
    const rows = await this.products.active(dataSource, { ...search, sort, limit: limit + 1, after });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const next =
      rows.length > limit && last
        ? encodeCursor({
            sort,
            key: sort === 'newest' ? last.createdAt.toISOString() : last.priceAmount,
            id: last.id,
          })
        : null;
    return { items: page.map(productView), next };
  }
}
