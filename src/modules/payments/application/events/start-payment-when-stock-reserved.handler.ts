import type { EntityManager } from 'typeorm';
import { StockReserved, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { PaymentStarts } from '../payment-starts';
import { OrderIntentStore } from '../ports/order-intent-store';

/**
 * The order's stock is held: start its payment (`PaymentStarts`). When its OrderPlaced has not
 * reached payments yet (the two events travel separately), the intent records that the stock is
 * reserved, and the payment starts when OrderPlaced lands (`RecordOrderIntentHandler`): no
 * retry, no batch handled again event by event. One inbox transaction's events are handled
 * together: one upsert of their intents (docs/decisions/0007-set-wise-inbox-handlers.md).
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
    // The upsert locks each intent until this transaction ends, so a cancellation handled meanwhile
    // waits for the payment created here and marks it, instead of missing it and leaving it charged.
    const payable = await this.intents.recordStockReserved(manager, [...causes.keys()]);
    await this.paymentStarts.start(
      manager,
      payable.map((intent) => ({ intent, cause: causes.get(intent.orderId)! })),
    );
  }
}
