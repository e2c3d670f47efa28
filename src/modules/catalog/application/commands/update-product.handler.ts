import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { ProductUpdated } from '#libs/contracts';
import { ReadCache } from '#libs/cache';
import { ReadDataSource } from '#libs/database';
import { Outbox } from '#libs/messaging';
import { forgetProduct } from '../queries/get-product.handler';
import { CatalogError } from '../../domain/catalog-errors';
import { money } from '../../domain/money';
import { changeProduct, versionAllowed, type ProductChanges, type VersionCondition } from '../../domain/product';
import { CategoryStore } from '../ports/category-store';
import { ProductStore, type StoredProduct } from '../ports/product-store';
import { productView, type ProductView } from '../product-view';

export class UpdateProduct extends Command<ProductView> {
  constructor(
    readonly productId: string,
    /** The versions the caller's `If-Match` names: the update applies only to one of them. */
    readonly expectedVersions: VersionCondition,
    readonly changes: Omit<ProductChanges, 'price'> & { price?: { amount: number; currency: string } },
  ) {
    super();
  }
}

@CommandHandler(UpdateProduct)
export class UpdateProductHandler implements ICommandHandler<UpdateProduct> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly cache: ReadCache,
    private readonly reads: ReadDataSource,
    private readonly products: ProductStore,
    private readonly categories: CategoryStore,
  ) {}

  async execute(command: UpdateProduct): Promise<ProductView> {
    const changes: ProductChanges = {
      ...command.changes,
      ...(command.changes.price ? { price: money(command.changes.price.amount, command.changes.price.currency) } : {}),
    };
    const updated = await this.dataSource.transaction(async (manager) => {
      const record = await this.products.lock(manager, command.productId);
      if (!record) throw new CatalogError('product-not-found', `product ${command.productId} does not exist`);
      if (!versionAllowed(command.expectedVersions, record.version)) {
        const named = command.expectedVersions === 'any' ? [] : command.expectedVersions;
        throw new CatalogError(
          'stale-product',
          `product ${record.id} is at version ${record.version}, not ${named.join(' or ')}: fetch it again`,
        );
      }
      const next = changeProduct(productView(record), changes);
      let categoryPath = record.categoryPath;
      if (next.categoryId !== record.categoryId) {
        const category = await this.categories.byId(next.categoryId, manager);
        if (!category) throw new CatalogError('unknown-category', `category ${next.categoryId} does not exist`);
        categoryPath = category.path;
      }
      const updated: StoredProduct = {
        ...record,
        name: next.name,
        description: next.description,
        categoryId: next.categoryId,
        categoryPath,
        priceAmount: next.price.amount,
        currency: next.price.currency,
        attributes: { ...next.attributes },
        status: next.status,
        version: next.version,
        updatedAt: new Date(),
      };
      await this.products.save(manager, updated);
      await this.outbox.publish(
        manager,
        ProductUpdated,
        {
          productId: updated.id,
          sku: updated.sku,
          name: updated.name,
          categoryId: updated.categoryId,
          price: next.price,
          status: updated.status,
        },
        { aggregateId: updated.id, aggregateVersion: updated.version },
      );
      return productView(updated);
    });
    await forgetProduct(this.cache, updated.id, await this.reads.writePosition());
    return updated;
  }
}
