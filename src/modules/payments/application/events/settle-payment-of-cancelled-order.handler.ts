import type { EntityManager } from 'typeorm';
import { OrderCancelled, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { PaymentTransitions } from '../payment-transitions';
import { OrderIntentStore } from '../ports/order-intent-store';

/**
 * The order will not be fulfilled: no charge starts for it, a charge waiting for the
 * customer is dropped, and money already taken (or taken later) is refunded.
 */
@OnIntegrationEvent(OrderCancelled)
export class SettlePaymentOfCancelledOrderHandler implements IntegrationEventHandler<PayloadOf<typeof OrderCancelled>> {
  constructor(
    private readonly intents: OrderIntentStore,
    private readonly transitions: PaymentTransitions,
  ) {}

  async handle(event: EventEnvelope<PayloadOf<typeof OrderCancelled>>, manager: EntityManager): Promise<void> {
    const { orderId, customerId, total } = event.payload;
    // Also when the cancellation overtook OrderPlaced: the row then says "cancelled" first.
    await this.intents.recordCancelled(manager, { orderId, customerId, amount: total });
    await this.transitions.apply(manager, { orderId }, (payment, now) => payment.orderWasCancelled(now));
  }
}
