import type { EntityManager } from 'typeorm';
import { PaymentFailed, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { OrderTransitions } from '../order-transitions';

/** The charge failed for good: an unpaid order is cancelled `payment_failed`. */
@OnIntegrationEvent(PaymentFailed)
export class CancelWhenPaymentFailsHandler implements IntegrationEventHandler<PayloadOf<typeof PaymentFailed>> {
  constructor(private readonly transitions: OrderTransitions) {}

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof PaymentFailed>>[],
    manager: EntityManager,
  ): Promise<void> {
    await this.transitions.applyToEvents(
      manager,
      events,
      (order, now) => order.paymentFailed(now),
      () => 'payment failed',
    );
  }
}
