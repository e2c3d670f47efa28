import type { EntityManager } from 'typeorm';
import { OrderPlaced, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { queryPrepared } from '#libs/sql';

/**
 * Keeps what a payment of the order will need (customer, total, payment method): the
 * charge starts later, when inventory has reserved the stock, and that event carries none
 * of it. A cancellation that overtook the placement has left a cancelled row: kept as is.
 */
@OnIntegrationEvent(OrderPlaced)
export class RecordOrderIntentHandler implements IntegrationEventHandler<PayloadOf<typeof OrderPlaced>> {
  /** The intents of one inbox transaction's orders, in one statement. */
  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof OrderPlaced>>[],
    manager: EntityManager,
  ): Promise<void> {
    // One row per order: an upsert may not touch a row twice in one statement.
    const placed = [...new Map(events.map((event) => [event.payload.orderId, event.payload])).values()];
    await queryPrepared(
      manager,
      `INSERT INTO payments.order_intents (order_id, customer_id, amount, currency, payment_method)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[])
       ON CONFLICT (order_id) DO UPDATE SET payment_method = EXCLUDED.payment_method
         WHERE order_intents.payment_method = ''`,
      [
        placed.map((order) => order.orderId),
        placed.map((order) => order.customerId),
        placed.map((order) => order.total.amount),
        placed.map((order) => order.total.currency),
        placed.map((order) => order.paymentMethod),
      ],
    );
  }
}
