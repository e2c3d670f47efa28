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

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof OrderCancelled>>[],
    manager: EntityManager,
  ): Promise<void> {
    await this.webhooks.fanOut(manager, 'order.cancelled', events);
    await this.emails.schedule(
      manager,
      events.map(({ id, payload }) => ({
        eventId: id,
        customerId: payload.customerId,
        news: { kind: 'cancelled' as const, orderId: payload.orderId, total: payload.total, reason: payload.reason },
      })),
    );
  }
}
