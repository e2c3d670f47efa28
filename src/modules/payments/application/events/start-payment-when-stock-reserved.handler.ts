import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { StockReserved, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { queryPrepared } from '#libs/sql';
import { Payment, type PaymentState } from '../../domain/payment';
import { PaymentJobs } from '../../infrastructure/payment-jobs';
import { insertPayments } from '../../infrastructure/payment-store';
import { SANDBOX_PROVIDER } from '../../infrastructure/sandbox/sandbox-provider';

interface IntentRow {
  order_id: string;
  customer_id: string;
  amount: string;
  currency: string;
  payment_method: string;
  cancelled: boolean;
}

/**
 * The order's stock is held: create its payment and schedule the charge. The charge itself
 * runs in a job, never here: a slow provider must not hold this transaction or the inbox.
 * The events of one inbox transaction take three round trips in all: one read of their
 * intents, one insert of their payments, one `addBulk` of their charges.
 */
@OnIntegrationEvent(StockReserved)
export class StartPaymentWhenStockReservedHandler implements IntegrationEventHandler<PayloadOf<typeof StockReserved>> {
  constructor(private readonly jobs: PaymentJobs) {}

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof StockReserved>>[],
    manager: EntityManager,
  ): Promise<void> {
    const orderIds = [...new Set(events.map((event) => event.payload.orderId))];
    const intents = new Map(
      (
        await queryPrepared<IntentRow>(
          manager,
          `SELECT order_id, customer_id, amount, currency, payment_method, cancelled
             FROM payments.order_intents WHERE order_id = ANY($1::uuid[])`,
          [orderIds],
        )
      ).map((row) => [row.order_id, row]),
    );
    const now = new Date();
    const payments: PaymentState[] = [];
    for (const orderId of orderIds) {
      const intent = intents.get(orderId);
      if (intent?.cancelled) continue;
      // OrderPlaced is on its way (the two events travel separately): retried until it lands.
      if (!intent || intent.payment_method === '') throw new Error(`order ${orderId} is not known to payments yet`);
      payments.push(
        Payment.start({
          id: randomUUID(),
          orderId,
          customerId: intent.customer_id,
          amount: { amount: Number(intent.amount), currency: intent.currency },
          paymentMethod: intent.payment_method,
          provider: SANDBOX_PROVIDER,
          now,
        }).state,
      );
    }
    const created = await insertPayments(manager, payments);
    await this.jobs.chargeEach([...created]);
  }
}
