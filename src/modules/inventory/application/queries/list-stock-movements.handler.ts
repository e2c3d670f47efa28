import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { InventoryError } from '../../domain/inventory-errors';
import { decodeMovementCursor, encodeMovementCursor } from '../../domain/movement-cursor';
import { StockLedger, type StockMovement } from '../ports/stock-ledger';

export interface MovementView extends Omit<StockMovement, 'at'> {
  readonly at: string;
}

export interface MovementPage {
  readonly items: MovementView[];
  readonly next: string | null;
}

export class ListStockMovements extends Query<MovementPage> {
  constructor(
    readonly sku: string,
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}

/** The audit trail of one SKU, newest first, in keyset pages (movements added during a walk never shift it). */
@QueryHandler(ListStockMovements)
export class ListStockMovementsHandler implements IQueryHandler<ListStockMovements> {
  constructor(private readonly stock: StockLedger) {}

  async execute(query: ListStockMovements): Promise<MovementPage> {
    const before = query.cursor ? decodeMovementCursor(query.cursor) : undefined;
    if (!(await this.stock.exists(query.sku))) {
      throw new InventoryError('stock-not-found', `no stock is kept for SKU ${query.sku}`);
    }
    const rows = await this.stock.movements(query.sku, query.limit + 1, before);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((m) => ({
        id: m.id,
        sku: m.sku,
        kind: m.kind,
        delta: m.delta,
        onHandAfter: m.onHandAfter,
        reason: m.reason,
        actor: m.actor,
        at: m.at.toISOString(),
      })),
      next: rows.length > query.limit && last ? encodeMovementCursor(last.id) : null,
    };
  }
}
