import type { EntityManager } from 'typeorm';
import { OrderCancelled, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { OrderEmails } from '../order-emails';
import { WebhookFanOut } from '../webhook-fan-out';

/** `order.cancelled` webhooks, and the customer's cancellation email with the reason. */
@OnIntegrationEvent(OrderCancelled)
export class AnnounceOrderCancelledHandler implements IntegrationEventHandler<PayloadOf<typeof OrderCancelled>> {
  constructor(
    private readonly webhooks: WebhookFanOut,
    private readonly emails: OrderEmails,
  ) {}

  async handle(event: EventEnvelope<PayloadOf<typeof OrderCancelled>>, manager: EntityManager): Promise<void> {
    await this.webhooks.fanOut(manager, 'order.cancelled', event);
    const { orderId, customerId, total, reason } = event.payload;
    await this.emails.schedule(manager, event.id, customerId, { kind: 'cancelled', orderId, total, reason });
  }
}
