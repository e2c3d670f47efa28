import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { ProductArchived } from '#libs/contracts';
import { ReadCache } from '#libs/cache';
import { ReadDataSource } from '#libs/database';
import { Outbox } from '#libs/messaging';
import { forgetProduct } from '../queries/get-product.handler';
import { CatalogError } from '../../domain/catalog-errors';
import { archiveProduct } from '../../domain/product';
import { ProductStore } from '../ports/product-store';
import { productView } from '../product-view';

export class ArchiveProduct extends Command<void> {
  constructor(readonly productId: string) {
    super();
  }
}

/** Archiving is idempotent: archiving an archived product changes nothing and publishes nothing. */
@CommandHandler(ArchiveProduct)
export class ArchiveProductHandler implements ICommandHandler<ArchiveProduct> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly cache: ReadCache,
    private readonly reads: ReadDataSource,
    private readonly products: ProductStore,
  ) {}

  async execute(command: ArchiveProduct): Promise<void> {
    const productId = await this.dataSource.transaction(async (manager) => {
      const record = await this.products.lock(manager, command.productId);
      if (!record) throw new CatalogError('product-not-found', `product ${command.productId} does not exist`);
      const archived = archiveProduct(productView(record));
      if (archived.version === record.version) return record.id;
      await this.products.archive(manager, record.id, archived.version);
      await this.outbox.publish(
        manager,
        ProductArchived,
        { productId: record.id, sku: record.sku },
        { aggregateId: record.id, aggregateVersion: archived.version },
      );
      return record.id;
    });
    // The stored id: the cache knows the product by it, not by the caller's spelling.
    await forgetProduct(this.cache, productId, await this.reads.writePosition());
  }
}
