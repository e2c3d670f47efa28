import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ProductCreated } from '#libs/contracts';
import { ReadCache } from '#libs/cache';
import { ReadDataSource } from '#libs/database';
import { Outbox } from '#libs/messaging';
import { forgetProduct } from '../queries/get-product.handler';
import { CatalogError } from '../../domain/catalog-errors';
import { money } from '../../domain/money';
import type { ProductStatus } from '../../domain/product';
import { CategoryStore } from '../ports/category-store';
import { ProductStore, type StoredProduct } from '../ports/product-store';
import { productView, type ProductView } from '../product-view';

export interface NewProduct {
  readonly sku: string;
  readonly name: string;
  readonly description: string;
  readonly categoryId: string;
  readonly price: { amount: number; currency: string };
  readonly attributes: Record<string, unknown>;
  readonly status: Exclude<ProductStatus, 'archived'>;
}

export class CreateProduct extends Command<ProductView> {
  constructor(readonly product: NewProduct) {
    super();
  }
}

@CommandHandler(CreateProduct)
export class CreateProductHandler implements ICommandHandler<CreateProduct> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly cache: ReadCache,
    private readonly reads: ReadDataSource,
    private readonly products: ProductStore,
    private readonly categories: CategoryStore,
  ) {}

  async execute({ product }: CreateProduct): Promise<ProductView> {
    const price = money(product.price.amount, product.price.currency);
    const created = await this.dataSource.transaction(async (manager) => {
      const category = await this.categories.byId(product.categoryId, manager);
      if (!category) throw new CatalogError('unknown-category', `category ${product.categoryId} does not exist`);
      const now = new Date();
      const record: StoredProduct = {
        id: randomUUID(),
        sku: product.sku,
        name: product.name,
        description: product.description,
        categoryId: category.id,
        categoryPath: category.path,
        priceAmount: price.amount,
        currency: price.currency,
        attributes: product.attributes,
        status: product.status,
        version: 1,
        createdAt: now,
        updatedAt: now,
      };
      if (!(await this.products.insert(manager, record))) {
        throw new CatalogError('sku-taken', `a product with SKU "${product.sku}" already exists`);
      }
      await this.outbox.publish(
        manager,
        ProductCreated,
        {
          productId: record.id,
          sku: record.sku,
          name: record.name,
          categoryId: record.categoryId,
          price,
          status: record.status,
        },
        { aggregateId: record.id, aggregateVersion: 1 },
      );
      return productView(record);
    });
    // New products appear in list pages: every replica drops its cached pages.
    await forgetProduct(this.cache, created.id, await this.reads.writePosition());
    return created;
  }
}
