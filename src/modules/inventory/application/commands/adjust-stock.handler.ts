import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { InventoryError } from '../../domain/inventory-errors';
import { adjustOnHand } from '../../domain/stock-level';
import { StockLedger } from '../ports/stock-ledger';
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
  constructor(
    private readonly dataSource: DataSource,
    private readonly stock: StockLedger,
  ) {}

  execute(command: AdjustStock): Promise<StockView> {
    return this.dataSource.transaction(async (manager) => {
      const locked = await this.stock.lockLevel(manager, command.sku);
      if (!locked) throw new InventoryError('stock-not-found', `no stock is kept for SKU ${command.sku}`);
      const change = adjustOnHand(locked, command.delta);
      await this.stock.changeOnHand(manager, locked, change, {
        kind: 'adjustment',
        reason: command.reason,
        actor: command.actor,
      });
      return stockView(change.level);
    });
  }
}
