import type { ProductState } from '../domain/product';
import type { StoredProduct } from './ports/product-store';

/** A product as the API shows it: its state plus when it was created and last changed. */
export interface ProductView extends ProductState {
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function productView(product: StoredProduct): ProductView {
  return {
    id: product.id,
    sku: product.sku,
    name: product.name,
    description: product.description,
    categoryId: product.categoryId,
    price: { amount: product.priceAmount, currency: product.currency },
    attributes: product.attributes,
    status: product.status,
    version: product.version,
    createdAt: product.createdAt.toISOString(),
    updatedAt: product.updatedAt.toISOString(),
  };
}
