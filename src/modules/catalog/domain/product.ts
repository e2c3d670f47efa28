import { CatalogError } from './catalog-errors';
import type { Money } from './money';

export type ProductStatus = 'draft' | 'active' | 'archived';

export interface ProductState {
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly description: string;
  readonly categoryId: string;
  readonly price: Money;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly status: ProductStatus;
  readonly version: number;
}

export type ProductChanges = Partial<
  Pick<ProductState, 'name' | 'description' | 'categoryId' | 'price' | 'attributes' | 'status'>
>;

/**
 * Draft and active move either way; archived is final (never sold again). Every change bumps
 * the version that ETags and optimistic concurrency rely on.
 */
export function changeProduct(product: ProductState, changes: ProductChanges): ProductState {
  if (product.status === 'archived') throw new CatalogError('invalid-transition', 'an archived product cannot change');
  if (changes.status === 'archived')
    throw new CatalogError('invalid-transition', 'archive a product with DELETE, not by changing its status');
  return { ...product, ...changes, version: product.version + 1 };
}

export function archiveProduct(product: ProductState): ProductState {
  if (product.status === 'archived') return product;
  return { ...product, status: 'archived', version: product.version + 1 };
}

/** A strong validator that changes exactly when the product does. */
export function productEtag(product: Pick<ProductState, 'id' | 'version'>): string {
  return `"${product.id}.${product.version}"`;
}

/** The version an `If-Match` value names, if it names this product (ETags carry the id in lower case). */
export function versionFromEtag(etag: string, productId: string): number | undefined {
  const match = /^"([0-9a-f-]{36})\.(\d+)"$/.exec(etag.trim());
  return match && match[1] === productId.toLowerCase() ? Number(match[2]) : undefined;
}
