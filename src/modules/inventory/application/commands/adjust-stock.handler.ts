import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { InventoryError } from '../../domain/inventory-errors';
import { adjustOnHand } from '../../domain/stock-level';
import { StockRecord } from '../../infrastructure/stock.record';
import { recordMovement } from '../../infrastructure/stock-ledger';
import { stockView, type StockView } from '../stock-view';

/** A correction of on hand by a number of units, with the reason the audit trail keeps. */
export class AdjustStock extends Command<StockView> {
  constructor(
    readonly sku: string,
    readonly delta: number,
    readonly reason: string,
    readonly actor: string,
  ) {
    super();
  }
}

@CommandHandler(AdjustStock)
export class AdjustStockHandler implements ICommandHandler<AdjustStock> {
  constructor(private readonly dataSource: DataSource) {}

  execute(command: AdjustStock): Promise<StockView> {
    return this.dataSource.transaction(async (manager) => {
      const stock = manager.getRepository(StockRecord);
      const record = await stock.findOne({ where: { sku: command.sku }, lock: { mode: 'pessimistic_write' } });
      if (!record) throw new InventoryError('stock-not-found', `no stock is kept for SKU ${command.sku}`);
      const change = adjustOnHand(record, command.delta);
      await stock.update(
        { sku: record.sku },
        { onHand: change.level.onHand, version: record.version + 1, updatedAt: new Date() },
      );
      await recordMovement(manager, {
        sku: record.sku,
        kind: 'adjustment',
        delta: change.delta,
        onHandAfter: change.level.onHand,
        reason: command.reason,
        actor: command.actor,
      });
      return stockView(change.level);
    });
  }
}
