import type { EntityManager } from 'typeorm';
import { OrderPlaced, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';

/**
 * Keeps what a payment of the order will need (customer, total, payment method): the
 * charge starts later, when inventory has reserved the stock, and that event carries none
 * of it. A cancellation that overtook the placement has left a cancelled row: kept as is.
 */
@OnIntegrationEvent(OrderPlaced)
export class RecordOrderIntentHandler implements IntegrationEventHandler<PayloadOf<typeof OrderPlaced>> {
  async handle(event: EventEnvelope<PayloadOf<typeof OrderPlaced>>, manager: EntityManager): Promise<void> {
    const { orderId, customerId, total, paymentMethod } = event.payload;
    await manager.query(
      `INSERT INTO order_intents (order_id, customer_id, amount, currency, payment_method)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (order_id) DO UPDATE SET payment_method = EXCLUDED.payment_method
         WHERE order_intents.payment_method = ''`,
      [orderId, customerId, total.amount, total.currency, paymentMethod],
    );
  }
}
