import type { EntityManager } from 'typeorm';
import { OrderPlaced, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { PaymentStarts } from '../payment-starts';
import { OrderIntentStore } from '../ports/order-intent-store';

/**
 * Keeps what a payment of the order will need (customer, total, payment method): the
 * charge starts when inventory has reserved the stock, and that event carries none of it.
 * When StockReserved overtook this event, the payment starts now. A cancellation that
 * overtook the placement has left a cancelled row: kept as is.
 */
@OnIntegrationEvent(OrderPlaced)
export class RecordOrderIntentHandler implements IntegrationEventHandler<PayloadOf<typeof OrderPlaced>> {
  constructor(
    private readonly intents: OrderIntentStore,
    private readonly paymentStarts: PaymentStarts,
  ) {}

  /** The intents of one inbox transaction's orders, together (docs/decisions/0007-set-wise-inbox-handlers.md). */
  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof OrderPlaced>>[],
    manager: EntityManager,
  ): Promise<void> {
    const causes = new Map(events.map((event) => [event.payload.orderId, event]));
    const reservedFirst = await this.intents.recordPlaced(
      manager,
      events.map(({ payload }) => ({
        orderId: payload.orderId,
        customerId: payload.customerId,
        amount: payload.total,
        paymentMethod: payload.paymentMethod,
      })),
    );
    await this.paymentStarts.start(
      manager,
      reservedFirst.map((intent) => ({ intent, cause: causes.get(intent.orderId)! })),
    );
  }
}
