import type { EntityManager } from 'typeorm';
import { StockReserved, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { PaymentStarts, type PayableOrder } from '../payment-starts';
import { OrderIntentStore } from '../ports/order-intent-store';

/**
 * The order's stock is held: start its payment (`PaymentStarts`). When its OrderPlaced has not
 * reached payments yet (the two events travel separately), the intent records that the stock is
 * reserved, and the payment starts when OrderPlaced lands (`RecordOrderIntentHandler`): no
 * retry, no batch handled again event by event. One inbox transaction's events are handled
 * together: one read of their intents (docs/decisions/0007-set-wise-inbox-handlers.md).
 */
@OnIntegrationEvent(StockReserved)
export class StartPaymentWhenStockReservedHandler implements IntegrationEventHandler<PayloadOf<typeof StockReserved>> {
  constructor(
    private readonly intents: OrderIntentStore,
    private readonly paymentStarts: PaymentStarts,
  ) {}

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof StockReserved>>[],
    manager: EntityManager,
  ): Promise<void> {
    const causes = new Map(events.map((event) => [event.payload.orderId, event]));
    const intents = await this.intents.findMany(manager, [...causes.keys()]);
    const payable: PayableOrder[] = [];
    const placedNotHeard: string[] = [];
    for (const [orderId, cause] of causes) {
      const intent = intents.get(orderId);
      if (intent?.cancelled) continue;
      if (!intent || intent.paymentMethod === '') placedNotHeard.push(orderId);
      else payable.push({ intent, cause });
    }
    if (placedNotHeard.length > 0) {
      for (const intent of await this.intents.recordStockReserved(manager, placedNotHeard))
        payable.push({ intent, cause: causes.get(intent.orderId)! });
    }
    await this.paymentStarts.start(manager, payable);
  }
}
