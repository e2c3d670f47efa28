import { CatalogError } from './catalog-errors';
import { parseIfMatch } from './if-match';
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

/** The versions an update may apply to: any (`If-Match: *`), or one of these. */
export type VersionCondition = 'any' | readonly number[];

/**
 * The versions of this product an `If-Match` value names (RFC 9110 §13.1.1): `*` any current one;
 * a list, each of its strong tags that is this product's ETag at some version, compared with the
 * id in lower case as ETags carry it. Weak tags never match; a malformed value names none.
 */
export function versionsIfMatch(ifMatch: string, productId: string): VersionCondition {
  const tags = parseIfMatch(ifMatch);
  if (tags === '*') return 'any';
  const id = productId.toLowerCase();
  return (tags ?? []).flatMap((tag) => {
    const match = /^([0-9a-f-]{36})\.(\d+)$/.exec(tag.opaque);
    return !tag.weak && match && match[1] === id ? [Number(match[2])] : [];
  });
}

/** Whether the product at `version` meets the condition. */
export function versionAllowed(condition: VersionCondition, version: number): boolean {
  return condition === 'any' || condition.includes(version);
}
