import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { setOnHand } from '../../domain/stock-level';
import { StockRecord } from '../../infrastructure/stock.record';
import { ensureStockRow, recordMovement } from '../../infrastructure/stock-ledger';
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
  constructor(private readonly dataSource: DataSource) {}

  execute(command: SetStock): Promise<StockView> {
    return this.dataSource.transaction(async (manager) => {
      await ensureStockRow(manager, command.sku);
      const stock = manager.getRepository(StockRecord);
      // Locked, so a reservation cannot slip in between the check and the write.
      const record = await stock.findOneOrFail({ where: { sku: command.sku }, lock: { mode: 'pessimistic_write' } });
      const change = setOnHand(record, command.onHand);
      await stock.update(
        { sku: record.sku },
        { onHand: change.level.onHand, version: record.version + 1, updatedAt: new Date() },
      );
      await recordMovement(manager, {
        sku: record.sku,
        kind: 'set',
        delta: change.delta,
        onHandAfter: change.level.onHand,
        reason: null,
        actor: command.actor,
      });
      return stockView(change.level);
    });
  }
}
