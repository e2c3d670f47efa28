import { Logger } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { isPaymentId, type PaymentChange } from '../../domain/payment';
import { PaymentTransitions } from '../payment-transitions';
import { PaymentStore } from '../ports/payment-store';
import { ProviderEventStore } from '../ports/provider-event-store';

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
    private readonly payments: PaymentStore,
    private readonly providerEvents: ProviderEventStore,
    private readonly transitions: PaymentTransitions,
  ) {}

  execute({ provider, eventId }: ApplyProviderEvent): Promise<'applied' | 'no-change' | 'applied-before'> {
    return this.payments.transaction(async (manager) => {
      const recorded = await this.providerEvents.lock(manager, { provider, eventId });
      if (!recorded) throw new Error(`provider event ${provider}/${eventId} is not recorded (yet)`);
      if (recorded.processed) return 'applied-before';
      const { event } = recorded;
      let applied: { change: PaymentChange | undefined } | undefined;
      if (isPaymentId(event.reference)) {
        applied = await this.transitions.apply(manager, { id: event.reference }, (payment, now) =>
          payment.providerReported(event.type, event.chargeId, event.declineCode, now),
        );
      }
      if (!applied) this.logger.warn(`provider event ${provider}/${eventId} names no known payment; recorded only`);
      await this.providerEvents.markProcessed(manager, { provider, eventId });
      return applied?.change ? 'applied' : 'no-change';
    });
  }
}
