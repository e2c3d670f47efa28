import type { EntityManager } from 'typeorm';
import { OrderConfirmed, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { OrderEmails } from '../order-emails';
import { WebhookFanOut } from '../webhook-fan-out';

/** `order.confirmed` webhooks, and the customer's confirmation email. */
@OnIntegrationEvent(OrderConfirmed)
export class AnnounceOrderConfirmedHandler implements IntegrationEventHandler<PayloadOf<typeof OrderConfirmed>> {
  constructor(
    private readonly webhooks: WebhookFanOut,
    private readonly emails: OrderEmails,
  ) {}

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof OrderConfirmed>>[],
    manager: EntityManager,
  ): Promise<void> {
    await this.webhooks.fanOut(manager, 'order.confirmed', events);
    await this.emails.schedule(
      manager,
      events.map(({ id, payload }) => ({
        eventId: id,
        customerId: payload.customerId,
        news: { kind: 'confirmed' as const, orderId: payload.orderId, total: payload.total },
      })),
    );
  }
}
