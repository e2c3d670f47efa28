import { Logger } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import { isPaymentId, type PaymentChange } from '../../domain/payment';
import { PaymentTransitions } from '../payment-transitions';
import type { ProviderEvent } from '../ports/payment-provider';

export class ApplyProviderEvent extends Command<'applied' | 'no-change' | 'applied-before'> {
  constructor(
    readonly provider: string,
    readonly eventId: string,
  ) {
    super();
  }
}

/**
 * Applies a recorded provider event to its payment and marks it processed, in one
 * transaction: whatever the charge job already learned, the same outcome changes nothing
 * twice. The event row is locked first, so two jobs for one event run one after the other.
 */
@CommandHandler(ApplyProviderEvent)
export class ApplyProviderEventHandler implements ICommandHandler<ApplyProviderEvent> {
  private readonly logger = new Logger('Payments');

  constructor(
    private readonly dataSource: DataSource,
    private readonly transitions: PaymentTransitions,
  ) {}

  execute({ provider, eventId }: ApplyProviderEvent): Promise<'applied' | 'no-change' | 'applied-before'> {
    return this.dataSource.transaction(async (manager) => {
      const [row] = await queryPrepared<{ payload: ProviderEvent; processed_at: Date | null }>(
        manager,
        `SELECT payload, processed_at FROM payments.provider_events WHERE provider = $1 AND event_id = $2 FOR UPDATE`,
        [provider, eventId],
      );
      if (!row) throw new Error(`provider event ${provider}/${eventId} is not recorded (yet)`);
      if (row.processed_at) return 'applied-before';
      const event = row.payload;
      let applied: { change: PaymentChange | undefined } | undefined;
      if (isPaymentId(event.reference)) {
        applied = await this.transitions.apply(manager, { id: event.reference }, (payment, now) =>
          payment.providerReported(event.type, event.chargeId, event.declineCode, now),
        );
      }
      if (!applied) this.logger.warn(`provider event ${provider}/${eventId} names no known payment; recorded only`);
      await queryPrepared(
        manager,
        `UPDATE payments.provider_events SET processed_at = now() WHERE provider = $1 AND event_id = $2`,
        [provider, eventId],
      );
      return applied?.change ? 'applied' : 'no-change';
    });
  }
}
