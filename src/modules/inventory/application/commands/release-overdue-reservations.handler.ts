import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { Outbox } from '#libs/messaging';
import { onExpiryDue } from '../../domain/reservation';
import { reservationsExpired } from '../inventory-metrics';
import { ReservationStore, type OverdueReservation } from '../ports/reservation-store';
import { StockLedger } from '../ports/stock-ledger';
import { releaseReservations } from '../release-reservation';

/** Reservations one batch reads and releases in one transaction: a few statements, whatever the size. */
const BATCH = 100;
/** At most this many batches (5,000 reservations) per sweep, so that one sweep never runs for long. */
const MAX_BATCHES = 50;

/** Releases the reservations held past their expiry; answers how many this process released. */
export class ReleaseOverdueReservations extends Command<number> {}

/**
 * The only way a reservation expires (docs/decisions/0002-deadlines-and-sweepers.md): the
 * oldest overdue reservations are read unlocked, a bounded batch at a time, and each batch is
 * released in one transaction that locks the stock rows, then the reservations' rows, and
 * decides again. Batches follow while they come back full, so a burst drains in one sweep.
 */
@CommandHandler(ReleaseOverdueReservations)
export class ReleaseOverdueReservationsHandler implements ICommandHandler<ReleaseOverdueReservations> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly stock: StockLedger,
    private readonly reservations: ReservationStore,
  ) {}

  async execute(): Promise<number> {
    let released = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const overdue = await this.reservations.overdue(BATCH);
      if (overdue.length === 0) break;
      const releasedNow = await this.release(overdue);
      released += releasedNow;
      reservationsExpired.inc(releasedNow);
      // A short batch was the last. A full one that released nothing was released by another
      // process meanwhile (it waited for that one's stock locks): that process drains the rest.
      if (overdue.length < BATCH || releasedNow === 0) break;
    }
    return released;
  }

  private release(candidates: readonly OverdueReservation[]): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      // Stock rows first, in SKU order, as every inbox transaction takes them (StockLockOrder);
      // then the reservations' rows, which order this against confirmations, cancellations and
      // other processes sweeping the same rows: whoever comes second finds them decided.
      await this.stock.lockStock(manager, [...new Set(candidates.flatMap((candidate) => candidate.skus))]);
      const locked = await this.reservations.lock(
        manager,
        candidates.map((candidate) => candidate.orderId),
      );
      const due = [...locked.values()].filter((r) => onExpiryDue(r.status, r.due) === 'release');
      const ports = { outbox: this.outbox, stock: this.stock, reservations: this.reservations };
      await releaseReservations(manager, ports, due, 'expired');
      return due.length;
    });
  }
}
