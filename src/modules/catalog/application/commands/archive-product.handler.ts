import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { ProductArchived } from '#libs/contracts';
import { ReadCache } from '#libs/cache';
import { Outbox } from '#libs/messaging';
import { forgetProduct } from '../queries/get-product.handler';
import { CatalogError } from '../../domain/catalog-errors';
import { archiveProduct } from '../../domain/product';
import { ProductRecord } from '../../infrastructure/product.record';
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
  ) {}

  async execute(command: ArchiveProduct): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const products = manager.getRepository(ProductRecord);
      const record = await products.findOne({ where: { id: command.productId }, lock: { mode: 'pessimistic_write' } });
      if (!record) throw new CatalogError('product-not-found', `product ${command.productId} does not exist`);
      const archived = archiveProduct(productView(record));
      if (archived.version === record.version) return;
      await products.update(
        { id: record.id },
        { status: 'archived', version: archived.version, updatedAt: new Date() },
      );
      await this.outbox.publish(
        manager,
        ProductArchived,
        { productId: record.id, sku: record.sku },
        { aggregateId: record.id, aggregateVersion: archived.version },
      );
    });
    await forgetProduct(this.cache, command.productId);
  }
}
