import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { InventoryError } from '../../domain/inventory-errors';
import { StockRecord } from '../../infrastructure/stock.record';
import { stockView, type StockView } from '../stock-view';

export class GetStock extends Query<StockView> {
  constructor(readonly sku: string) {
    super();
  }
}

/**
 * Reads the primary, not a replica: admins act on these figures (set, adjust), so they must
 * be exact, and the route is admin-only so it carries no read load worth offloading.
 */
@QueryHandler(GetStock)
export class GetStockHandler implements IQueryHandler<GetStock> {
  constructor(private readonly dataSource: DataSource) {}

  async execute(query: GetStock): Promise<StockView> {
    const record = await this.dataSource.getRepository(StockRecord).findOneBy({ sku: query.sku });
    if (!record) throw new InventoryError('stock-not-found', `no stock is kept for SKU ${query.sku}`);
    return stockView(record);
  }
}
