import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ProcessState, SETTINGS } from '#libs/config';
import { PeriodicSweeper } from '#libs/modularity';
import { reservationsExpired } from '../../application/inventory-metrics';
import { ReleaseOverdueReservations } from '../../application/commands/release-overdue-reservations.handler';
import type { InventorySettings } from '../../inventory.settings';

/**
 * Releases reservations held past their expiry, every RESERVATION_SWEEP_INTERVAL_MS: the only
 * thing that expires them, so a reservation is released at most one interval late
 * (docs/decisions/0002-deadlines-and-sweepers.md).
 */
@Injectable()
export class ReservationExpirySweeper extends PeriodicSweeper {
  constructor(
    private readonly commands: CommandBus,
    state: ProcessState,
    @Inject(SETTINGS) settings: InventorySettings,
  ) {
    super(state, settings.reservationSweepIntervalMs, new Logger('Inventory'), 'reservations past their expiry');
    reservationsExpired.inc(0);
  }

  // Expiry is routine, not lost work: counted in inventory_reservations_expired_total, not logged.
  protected async sweepOnce(): Promise<undefined> {
    await this.commands.execute(new ReleaseOverdueReservations());
    return undefined;
  }
}
