import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PaymentFailed, PaymentRefunded, PaymentSucceeded } from '#libs/contracts';
import { Outbox } from '#libs/messaging';
import { Payment, type PaymentChange, type PaymentState } from '../domain/payment';
import { PaymentJobs } from './ports/payment-jobs';
import { PaymentStore, type PaymentKey } from './ports/payment-store';

type Step = (payment: Payment, now: Date) => PaymentChange | undefined;
type Applied = { payment: Payment; change: PaymentChange | undefined };

/**
 * How every change of a payment is made, whoever reports it (the charge job, a webhook, a
 * cancelled order, an admin): in the caller's transaction, the row is locked, the domain
 * decides from its current state, and the change is saved with the event announcing it.
 * Outcomes that arrive twice or late therefore change nothing the second time.
 */
@Injectable()
export class PaymentTransitions {
  constructor(
    private readonly outbox: Outbox,
    private readonly jobs: PaymentJobs,
    private readonly payments: PaymentStore,
  ) {}

  async apply(manager: EntityManager, key: PaymentKey, step: Step): Promise<Applied | undefined> {
    const state = await this.payments.lock(manager, key);
    if (!state) return undefined;
    const payment = Payment.restore(state);
    const change = step(payment, new Date());
    if (change) {
      await this.payments.save(manager, payment.state);
      await this.announce(manager, payment.state, change);
    }
    return { payment, change };
  }

  /** `apply` in a transaction of its own. */
  applyAlone(key: PaymentKey, step: Step): Promise<Applied | undefined> {
    return this.payments.transaction((manager) => this.apply(manager, key, step));
  }

  private async announce(manager: EntityManager, payment: PaymentState, change: PaymentChange): Promise<void> {
    const aggregate = { aggregateId: payment.id, aggregateVersion: payment.version };
    const ids = { paymentId: payment.id, orderId: payment.orderId, customerId: payment.customerId };
    switch (change.kind) {
      case 'succeeded':
        await this.outbox.publish(manager, PaymentSucceeded, { ...ids, amount: { ...payment.amount } }, aggregate);
        return;
      case 'failed':
        await this.outbox.publish(manager, PaymentFailed, { ...ids, reason: change.reason }, aggregate);
        return;
      case 'refund-requested':
        // Money was taken after the order was cancelled: the success is still on record.
        if (change.afterSuccess) {
          await this.outbox.publish(manager, PaymentSucceeded, { ...ids, amount: { ...payment.amount } }, aggregate);
        }
        await this.jobs.refund(payment.id);
        return;
      case 'refunded':
        await this.outbox.publish(
          manager,
          PaymentRefunded,
          { ...ids, amount: { ...payment.amount }, reason: payment.refundReason ?? 'requested_by_admin' },
          aggregate,
        );
        return;
      case 'requires-action':
      case 'cancelled':
      case 'noted':
        return;
    }
  }
}
