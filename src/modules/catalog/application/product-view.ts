import type { Money } from '../domain/money';
import type { ProductStatus } from '../domain/product';
import type { ProductRecord } from '../infrastructure/product.record';

/** A product as the API shows it. */
export interface ProductView {
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly description: string;
  readonly categoryId: string;
  readonly price: Money;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly status: ProductStatus;
  readonly version: number;
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
