import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { InventoryError } from '../../domain/inventory-errors';
import { decodeMovementCursor, encodeMovementCursor } from '../../domain/movement-cursor';
import { StockMovementRecord, type MovementKind } from '../../infrastructure/stock-movement.record';
import { StockRecord } from '../../infrastructure/stock.record';

export interface MovementView {
  readonly id: string;
  readonly sku: string;
  readonly kind: MovementKind;
  readonly delta: number;
  readonly onHandAfter: number;
  readonly reason: string | null;
  /** The admin who made the change; null for order commits. */
  readonly actor: string | null;
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
  constructor(private readonly dataSource: DataSource) {}

  async execute(query: ListStockMovements): Promise<MovementPage> {
    const before = query.cursor ? decodeMovementCursor(query.cursor) : undefined;
    if (!(await this.dataSource.getRepository(StockRecord).existsBy({ sku: query.sku }))) {
      throw new InventoryError('stock-not-found', `no stock is kept for SKU ${query.sku}`);
    }
    const builder = this.dataSource
      .getRepository(StockMovementRecord)
      .createQueryBuilder('m')
      .where('m.sku = :sku', { sku: query.sku })
      .orderBy('m.id', 'DESC')
      .limit(query.limit + 1);
    if (before) builder.andWhere('m.id < :before', { before });
    const rows = await builder.getMany();
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
