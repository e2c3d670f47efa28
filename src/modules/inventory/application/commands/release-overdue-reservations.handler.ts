import { Command, CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { sweeperRecovered } from '#libs/observability';
import { overdueReservations } from '../../infrastructure/reservation-store';
import { ExpireReservation } from './expire-reservation.handler';

/** Reservations one batch looks at; a sweep takes batches until one comes back short. */
const BATCH = 200;
/** At most this many batches per sweep, so that one sweep never runs for long. */
const MAX_BATCHES = 25;

export class ReleaseOverdueReservations extends Command<number> {}

/**
 * The safety net under the expiry job: reservations still held past `expires_at` (their
 * delayed job was lost with Redis, or never scheduled) are released by the very use case the
 * job runs, `ExpireReservation`, one transaction each: it takes the stock rows and the
 * reservation's row lock in the global order and releases only a reservation that is still
 * `reserved` and due, so a job that runs after all, a confirmation or a cancellation in
 * between, or another replica sweeping at the same moment makes it a no-op. Answers how
 * many it released (counted in `sweeper_recovered_total{module="inventory"}`).
 */
@CommandHandler(ReleaseOverdueReservations)
export class ReleaseOverdueReservationsHandler implements ICommandHandler<ReleaseOverdueReservations> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly commands: CommandBus,
  ) {}

  async execute(): Promise<number> {
    let released = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const overdue = await overdueReservations(this.dataSource.manager, BATCH);
      let releasedNow = 0;
      // In random order: replicas sweeping the same rows at once mostly take different ones.
      for (const orderId of shuffled(overdue)) {
        const outcome = await this.commands.execute(new ExpireReservation(orderId));
        if (outcome.kind === 'released') releasedNow++;
      }
      released += releasedNow;
      sweeperRecovered.inc({ module: 'inventory', kind: 'reservation_expiry' }, releasedNow);
      // A short batch was the last; a batch that released nothing would only be read again.
      if (overdue.length < BATCH || releasedNow === 0) break;
    }
    return released;
  }
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
