import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { InventoryError } from '../../domain/inventory-errors';
import { setOnHand } from '../../domain/stock-level';
import { StockLedger } from '../ports/stock-ledger';
import { stockView, type StockView } from '../stock-view';

/** An admin's count of what is on hand: creates the SKU's stock row if it has none. */
export class SetStock extends Command<StockView> {
  constructor(
    readonly sku: string,
    readonly onHand: number,
    /** The admin's user id, for the audit trail. */
    readonly actor: string,
  ) {
    super();
  }
}

@CommandHandler(SetStock)
export class SetStockHandler implements ICommandHandler<SetStock> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly stock: StockLedger,
  ) {}

  execute(command: SetStock): Promise<StockView> {
    return this.dataSource.transaction(async (manager) => {
      await this.stock.ensureStockRows(manager, [command.sku]);
      // Locked, so a reservation cannot slip in between the check and the write.
      const locked = await this.stock.lockLevel(manager, command.sku);
      if (!locked) throw new InventoryError('stock-not-found', `no stock is kept for SKU ${command.sku}`);
      const change = setOnHand(locked, command.onHand);
      await this.stock.changeOnHand(manager, locked, change, { kind: 'set', reason: null, actor: command.actor });
      return stockView(change.level);
    });
  }
}
