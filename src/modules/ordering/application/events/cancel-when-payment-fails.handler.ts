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

  handle(event: EventEnvelope<PayloadOf<typeof PaymentFailed>>, manager: EntityManager): Promise<void> {
    return this.handleMany([event], manager);
  }

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof PaymentFailed>>[],
    manager: EntityManager,
  ): Promise<void> {
    const applied = await this.transitions.applyEach(
      manager,
      events.map((event) => ({
        orderId: event.payload.orderId,
        step: (order, now) => order.paymentFailed(now),
        cause: event,
      })),
    );
    events.forEach((event, i) => {
      if (!applied[i]) this.logger.warn(`payment failed for unknown order ${event.payload.orderId}; ignored`);
    });
  }
}
