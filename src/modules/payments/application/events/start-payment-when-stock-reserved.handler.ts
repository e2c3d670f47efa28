import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { StockReserved, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { Payment } from '../../domain/payment';
import { ChargesAtOnce, type PaymentStart } from '../charges-at-once';
import { OrderIntentStore } from '../ports/order-intent-store';
import { PaymentJobs } from '../ports/payment-jobs';
import { PaymentProvider } from '../ports/payment-provider';
import { PaymentStore } from '../ports/payment-store';

/**
 * The order's stock is held: create its payment, its first charge attempt counted, and charge
 * it once this transaction has committed (`ChargesAtOnce`), its job waiting behind the call.
 * The provider is never called here: a slow provider must not hold this transaction or the
 * inbox. One inbox transaction's events are handled together: one read of their intents, one
 * insert of their payments, one `addBulk` of their jobs (docs/decisions/0007-set-wise-inbox-handlers.md).
 */
@OnIntegrationEvent(StockReserved)
export class StartPaymentWhenStockReservedHandler implements IntegrationEventHandler<PayloadOf<typeof StockReserved>> {
  constructor(
    private readonly intents: OrderIntentStore,
    private readonly payments: PaymentStore,
    private readonly jobs: PaymentJobs,
    private readonly provider: PaymentProvider,
    private readonly chargesAtOnce: ChargesAtOnce,
  ) {}

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof StockReserved>>[],
    manager: EntityManager,
  ): Promise<void> {
    const causes = new Map(events.map((event) => [event.payload.orderId, event]));
    const orderIds = [...causes.keys()];
    const intents = await this.intents.findMany(manager, orderIds);
    const now = new Date();
    const starts: PaymentStart[] = [];
    for (const orderId of orderIds) {
      const intent = intents.get(orderId);
      if (intent?.cancelled) continue;
      // OrderPlaced is on its way (the two events travel separately): retried until it lands.
      if (!intent || intent.paymentMethod === '') throw new Error(`order ${orderId} is not known to payments yet`);
      const { customerId, amount, paymentMethod } = intent;
      const payment = Payment.start({
        id: randomUUID(),
        orderId,
        customerId,
        amount,
        paymentMethod,
        provider: this.provider.name,
        now,
      });
      // Counted before the call, and committed: a call that goes through unseen is looked up later.
      payment.chargeAttempted(now);
      starts.push({ payment: payment.state, cause: causes.get(orderId)! });
    }
    const created = await this.payments.insertMany(
      manager,
      starts.map((start) => start.payment),
    );
    await this.jobs.chargeLater([...created]);
    this.chargesAtOnce.afterCommit(
      manager,
      starts.filter((start) => created.has(start.payment.id)),
    );
  }
}
