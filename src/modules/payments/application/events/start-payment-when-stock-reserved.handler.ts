import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { StockReserved, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { Payment, type PaymentState } from '../../domain/payment';
import { OrderIntentStore } from '../ports/order-intent-store';
import { PaymentJobs } from '../ports/payment-jobs';
import { PaymentProvider } from '../ports/payment-provider';
import { PaymentStore } from '../ports/payment-store';

/**
 * The order's stock is held: create its payment and schedule the charge. The charge itself
 * runs in a job, never here: a slow provider must not hold this transaction or the inbox.
 * One inbox transaction's events are handled together: one read of their intents, one
 * insert of their payments, one scheduling of their charges (docs/decisions/0007-set-wise-inbox-handlers.md).
 */
@OnIntegrationEvent(StockReserved)
export class StartPaymentWhenStockReservedHandler implements IntegrationEventHandler<PayloadOf<typeof StockReserved>> {
  constructor(
    private readonly intents: OrderIntentStore,
    private readonly payments: PaymentStore,
    private readonly jobs: PaymentJobs,
    private readonly provider: PaymentProvider,
  ) {}

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof StockReserved>>[],
    manager: EntityManager,
  ): Promise<void> {
    const orderIds = [...new Set(events.map((event) => event.payload.orderId))];
    const intents = await this.intents.findMany(manager, orderIds);
    const now = new Date();
    const payments: PaymentState[] = [];
    for (const orderId of orderIds) {
      const intent = intents.get(orderId);
      if (intent?.cancelled) continue;
      // OrderPlaced is on its way (the two events travel separately): retried until it lands.
      if (!intent || intent.paymentMethod === '') throw new Error(`order ${orderId} is not known to payments yet`);
      const { customerId, amount, paymentMethod } = intent;
      payments.push(
        Payment.start({
          id: randomUUID(),
          orderId,
          customerId,
          amount,
          paymentMethod,
          provider: this.provider.name,
          now,
        }).state,
      );
    }
    const created = await this.payments.insertMany(manager, payments);
    await this.jobs.chargeEach([...created]);
  }
}
