import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PaymentFailed, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { OrderTransitions } from '../order-transitions';

/** The charge failed for good: an unpaid order is cancelled `payment_failed`. */
@OnIntegrationEvent(PaymentFailed)
export class CancelWhenPaymentFailsHandler implements IntegrationEventHandler<PayloadOf<typeof PaymentFailed>> {
  private readonly logger = new Logger('Ordering');

  constructor(private readonly transitions: OrderTransitions) {}

  async handle(event: EventEnvelope<PayloadOf<typeof PaymentFailed>>, manager: EntityManager): Promise<void> {
    const applied = await this.transitions.apply(manager, event.payload.orderId, (order, now) =>
      order.paymentFailed(now),
    );
    if (!applied) this.logger.warn(`payment failed for unknown order ${event.payload.orderId}; ignored`);
  }
}
