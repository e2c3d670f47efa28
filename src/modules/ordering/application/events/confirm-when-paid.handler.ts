import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PaymentSucceeded, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { OrderTransitions, type AppliedStep } from '../order-transitions';

/**
 * The order was charged: `paid`, then `confirmed`, and `OrderConfirmed` tells inventory to
 * commit the stock. From `pending` as well, since this event may overtake `StockReserved`.
 * A charge for a cancelled order changes nothing here: refunding it is the payments
 * context's job (it hears `OrderCancelled`).
 */
@OnIntegrationEvent(PaymentSucceeded)
export class ConfirmWhenPaidHandler implements IntegrationEventHandler<PayloadOf<typeof PaymentSucceeded>> {
  private readonly logger = new Logger('Ordering');

  constructor(private readonly transitions: OrderTransitions) {}

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof PaymentSucceeded>>[],
    manager: EntityManager,
  ): Promise<void> {
    const applied = await this.transitions.applyToEvents(
      manager,
      events,
      (order, now) => order.paymentSucceeded(now),
      ({ paymentId }) => `payment ${paymentId} succeeded`,
    );
    events.forEach((event, i) => this.warnIfAmiss(event.payload, applied[i]));
  }

  private warnIfAmiss(
    { orderId, paymentId, amount }: PayloadOf<typeof PaymentSucceeded>,
    applied: AppliedStep | undefined,
  ): void {
    if (!applied) return; // warned by applyToEvents
    const { order } = applied;
    if (!applied.change && order.status === 'cancelled') {
      this.logger.warn(`payment ${paymentId} succeeded for cancelled order ${orderId}: it needs a refund`);
    }
    if (amount.amount !== order.total.amount || amount.currency !== order.total.currency) {
      this.logger.warn(
        `payment ${paymentId} charged ${amount.amount} ${amount.currency} for order ${orderId} of ${order.total.amount} ${order.total.currency}`,
      );
    }
  }
}
