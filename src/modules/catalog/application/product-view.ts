import type { ProductState } from '../domain/product';
import type { ProductRecord } from '../infrastructure/product.record';

/** A product as the API shows it: its state plus when it was created and last changed. */
export interface ProductView extends ProductState {
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function productView(record: ProductRecord): ProductView {
  return {
    id: record.id,
    sku: record.sku,
    name: record.name,
    description: record.description,
    categoryId: record.categoryId,
    price: { amount: record.priceAmount, currency: record.currency },
    attributes: record.attributes,
    status: record.status,
    version: record.version,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}
