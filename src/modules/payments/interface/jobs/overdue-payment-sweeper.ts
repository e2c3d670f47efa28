import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ProcessState, SETTINGS } from '#libs/config';
import type { PaymentsSettings } from '../../payments.settings';
import { PeriodicSweeper } from '#libs/modularity';
import { sweeperRecovered } from '#libs/observability';
import { RedriveOverduePayments } from '../../application/commands/redrive-overdue-payments.handler';

/**
 * Every SWEEP_INTERVAL_MS, each worker process schedules again the charges, refunds and
 * webhooks whose job is gone past PAYMENT_CHARGE_DEADLINE_SECONDS (README, "Deadlines").
 */
@Injectable()
export class OverduePaymentSweeper extends PeriodicSweeper {
  constructor(
    private readonly commands: CommandBus,
    state: ProcessState,
    @Inject(SETTINGS) settings: PaymentsSettings,
  ) {
    super(state, settings.sweepIntervalMs, new Logger('Payments'), 'payments waiting past their deadline');
    for (const kind of ['charge', 'refund', 'provider_event']) sweeperRecovered.inc({ module: 'payments', kind }, 0);
  }

  protected async sweepOnce(): Promise<string | undefined> {
    const { charges, refunds, providerEvents } = await this.commands.execute(new RedriveOverduePayments());
    if (charges + refunds + providerEvents === 0) return undefined;
    return `scheduled again ${charges} charge(s), ${refunds} refund(s), ${providerEvents} provider webhook(s)`;
  }
}
