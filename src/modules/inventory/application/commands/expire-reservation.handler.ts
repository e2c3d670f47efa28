import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { Outbox } from '#libs/messaging';
import { onExpiryDue } from '../../domain/reservation';
import { ReservationStore } from '../ports/reservation-store';
import { StockLedger } from '../ports/stock-ledger';
import { releaseReservation } from '../release-reservation';

export type ExpiryOutcome =
  | { readonly kind: 'released' }
  | { readonly kind: 'ignored' }
  /** The job fired before the deadline (clock skew, or a reservation decided again after a retry). */
  | { readonly kind: 'not-due'; readonly remainingMs: number };

/** Releases an order's reservation if it is still held past its deadline. */
export class ExpireReservation extends Command<ExpiryOutcome> {
  constructor(readonly orderId: string) {
    super();
  }
}

@CommandHandler(ExpireReservation)
export class ExpireReservationHandler implements ICommandHandler<ExpireReservation> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly stock: StockLedger,
    private readonly reservations: ReservationStore,
  ) {}

  execute(command: ExpireReservation): Promise<ExpiryOutcome> {
    return this.dataSource.transaction(async (manager): Promise<ExpiryOutcome> => {
      // Stock rows first, in SKU order, as every inbox transaction takes them (StockLockOrder);
      // then the reservation's row, which orders this against a confirmation or cancellation.
      const skus = await this.reservations.reservedSkus(manager, command.orderId);
      if (skus.length > 0) await this.stock.lockStock(manager, skus);
      const reservation = (await this.reservations.lock(manager, [command.orderId])).get(command.orderId);
      if (!reservation) return { kind: 'ignored' };
      switch (onExpiryDue(reservation.status, reservation.due)) {
        case 'release':
          await releaseReservation(
            manager,
            { outbox: this.outbox, stock: this.stock, reservations: this.reservations },
            reservation,
            'expired',
          );
          return { kind: 'released' };
        case 'not-due':
          return { kind: 'not-due', remainingMs: reservation.remainingMs };
        case 'ignore':
          return { kind: 'ignored' };
      }
    });
  }
}
