import { Command, CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { sweeperRecovered } from '#libs/observability';
import { ReservationStore } from '../ports/reservation-store';
import { ExpireReservation } from './expire-reservation.handler';

/** Reservations one batch looks at; a sweep takes batches until one comes back short. */
const BATCH = 200;
/** At most this many batches per sweep, so that one sweep never runs for long. */
const MAX_BATCHES = 25;

export class ReleaseOverdueReservations extends Command<number> {}

/**
 * Releases reservations whose expiry job was lost, through the job's own use case, so a late
 * job or another replica sweeping is a no-op (docs/decisions/0002-deadlines-and-sweepers.md).
 */
@CommandHandler(ReleaseOverdueReservations)
export class ReleaseOverdueReservationsHandler implements ICommandHandler<ReleaseOverdueReservations> {
  constructor(
    private readonly reservations: ReservationStore,
    private readonly commands: CommandBus,
  ) {}

  async execute(): Promise<number> {
    let released = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const overdue = await this.reservations.overdue(BATCH);
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
