import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '#libs/contracts';
import { Payment } from '../domain/payment';
import { ChargesAtOnce, type PaymentStart } from './charges-at-once';
import type { OrderIntent } from './ports/order-intent-store';
import { PaymentJobs } from './ports/payment-jobs';
import { PaymentProvider } from './ports/payment-provider';
import { PaymentStore } from './ports/payment-store';

/** An order whose stock is reserved and whose intent is known, and the event that made it payable. */
export interface PayableOrder {
  readonly intent: OrderIntent;
  readonly cause: EventEnvelope;
}

/**
 * Creates the payments of payable orders, their first charge attempt counted, and charges them
 * once the transaction has committed (`ChargesAtOnce`), each one's job waiting behind the call.
 * The provider is never called here: a slow provider must not hold the transaction or the
 * inbox. One insert of the payments, one `addBulk` of their jobs, whatever their number
 * (docs/decisions/0007-set-wise-inbox-handlers.md). A payment the order already has is left alone.
 */
@Injectable()
export class PaymentStarts {
  constructor(
    private readonly payments: PaymentStore,
    private readonly jobs: PaymentJobs,
    private readonly provider: PaymentProvider,
    private readonly chargesAtOnce: ChargesAtOnce,
  ) {}

  async start(manager: EntityManager, orders: readonly PayableOrder[]): Promise<void> {
    if (orders.length === 0) return;
    const now = new Date();
    const starts: PaymentStart[] = orders.map(({ intent, cause }) => {
      const { orderId, customerId, amount, paymentMethod } = intent;
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
      return { payment: payment.state, cause };
    });
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
