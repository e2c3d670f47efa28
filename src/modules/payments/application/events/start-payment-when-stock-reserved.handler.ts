import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { StockReserved, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { Payment } from '../../domain/payment';
import { PaymentJobs } from '../../infrastructure/payment-jobs';
import { insertPayment } from '../../infrastructure/payment-store';
import { SANDBOX_PROVIDER } from '../../infrastructure/sandbox/sandbox-provider';

interface IntentRow {
  customer_id: string;
  amount: string;
  currency: string;
  payment_method: string;
  cancelled: boolean;
}

/**
 * The order's stock is held: create its payment and schedule the charge. The charge itself
 * runs in a job, never here: a slow provider must not hold this transaction or the inbox.
 */
@OnIntegrationEvent(StockReserved)
export class StartPaymentWhenStockReservedHandler implements IntegrationEventHandler<PayloadOf<typeof StockReserved>> {
  constructor(private readonly jobs: PaymentJobs) {}

  async handle(event: EventEnvelope<PayloadOf<typeof StockReserved>>, manager: EntityManager): Promise<void> {
    const { orderId } = event.payload;
    const [intent] = (await manager.query(
      `SELECT customer_id, amount, currency, payment_method, cancelled FROM order_intents WHERE order_id = $1`,
      [orderId],
    )) as IntentRow[];
    if (intent?.cancelled) return;
    // OrderPlaced is on its way (the two events travel separately): retried until it lands.
    if (!intent || intent.payment_method === '') throw new Error(`order ${orderId} is not known to payments yet`);
    const payment = Payment.start({
      id: randomUUID(),
      orderId,
      customerId: intent.customer_id,
      amount: { amount: Number(intent.amount), currency: intent.currency },
      paymentMethod: intent.payment_method,
      provider: SANDBOX_PROVIDER,
      now: new Date(),
    });
    if (await insertPayment(manager, payment.state)) await this.jobs.charge(payment.state.id);
  }
}
