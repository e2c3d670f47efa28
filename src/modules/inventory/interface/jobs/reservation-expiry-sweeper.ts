import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ProcessState, SETTINGS } from '#libs/config';
import type { InventorySettings } from '../../inventory.settings';
import { PeriodicSweeper } from '#libs/modularity';
import { sweeperRecovered } from '#libs/observability';
import { ReleaseOverdueReservations } from '../../application/commands/release-overdue-reservations.handler';

/** Releases reservations held past their expiry, job or no job (docs/decisions/0002-deadlines-and-sweepers.md). */
@Injectable()
export class ReservationExpirySweeper extends PeriodicSweeper {
  constructor(
    private readonly commands: CommandBus,
    state: ProcessState,
    @Inject(SETTINGS) settings: InventorySettings,
  ) {
    super(state, settings.sweepIntervalMs, new Logger('Inventory'), 'reservations past their expiry');
    sweeperRecovered.inc({ module: 'inventory', kind: 'reservation_expiry' }, 0);
  }

  protected async sweepOnce(): Promise<string | undefined> {
    const released = await this.commands.execute(new ReleaseOverdueReservations());
    return released > 0 ? `released ${released}` : undefined;
  }
}
