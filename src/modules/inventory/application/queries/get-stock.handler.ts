import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { InventoryError } from '../../domain/inventory-errors';
import { StockLedger } from '../ports/stock-ledger';
import { stockView, type StockView } from '../stock-view';

export class GetStock extends Query<StockView> {
  constructor(readonly sku: string) {
    super();
  }
}

/** Reads the primary: admins act on these figures, and the admin-only route carries little load. */
@QueryHandler(GetStock)
export class GetStockHandler implements IQueryHandler<GetStock> {
  constructor(private readonly stock: StockLedger) {}

  async execute(query: GetStock): Promise<StockView> {
    const level = await this.stock.level(query.sku);
    if (!level) throw new InventoryError('stock-not-found', `no stock is kept for SKU ${query.sku}`);
    return stockView(level);
  }
}
