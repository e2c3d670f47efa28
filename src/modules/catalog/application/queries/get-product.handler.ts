import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadCache } from '#libs/cache';
import { ReadDataSource } from '#libs/database';
import { CatalogError } from '../../domain/catalog-errors';
import { ProductStore } from '../ports/product-store';
import { productView, type ProductView } from '../product-view';

export class GetProduct extends Query<ProductView> {
  constructor(
    readonly productId: string,
    /** Admins see drafts; the public sees what is or was sold. */
    readonly includeDrafts: boolean,
    /** The caller's consistency token: the answer is at least that fresh. */
    readonly atLeastLsn?: string,
  ) {
    super();
  }
}

@QueryHandler(GetProduct)
export class GetProductHandler implements IQueryHandler<GetProduct> {
  constructor(
    private readonly reads: ReadDataSource,
    private readonly cache: ReadCache,
    private readonly products: ProductStore,
  ) {}

  async execute(query: GetProduct): Promise<ProductView> {
    const notFound = () => new CatalogError('product-not-found', `product ${query.productId} does not exist`);
    const product = await this.cache.get(
      productCacheKey(query.productId),
      () =>
        this.reads.query(async (dataSource) => {
          const product = await this.products.byId(dataSource, query.productId);
          if (!product) throw notFound();
          return productView(product);
        }, query.atLeastLsn),
      query.atLeastLsn,
    );
    if (product.status === 'draft' && !query.includeDrafts) throw notFound();
    return product;
  }
}

export function productCacheKey(productId: string): string {
  return `catalog:product:${productId}`;
}

/** Every cached list page of products: cleared whole by any product change. */
export const PRODUCT_LISTS = 'catalog:products';

export const CATEGORY_LISTS = 'catalog:categories';

/** `changedAt`: where the change was written, when known (see `ReadCache.invalidate`). */
export async function forgetProduct(cache: ReadCache, productId: string, changedAt?: string): Promise<void> {
  await forgetProducts(cache, [productId], changedAt);
}

/** Many products at once: one delete and one message to the other replicas. */
export async function forgetProducts(
  cache: ReadCache,
  productIds: readonly string[],
  changedAt?: string,
): Promise<void> {
  await cache.invalidate([...productIds.map(productCacheKey), PRODUCT_LISTS], changedAt);
}
