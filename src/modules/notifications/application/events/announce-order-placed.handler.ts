import type { EntityManager } from 'typeorm';
import { OrderPlaced, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { WebhookFanOut } from '../webhook-fan-out';

/** `order.placed` webhooks. */
@OnIntegrationEvent(OrderPlaced)
export class AnnounceOrderPlacedHandler implements IntegrationEventHandler<PayloadOf<typeof OrderPlaced>> {
  constructor(private readonly webhooks: WebhookFanOut) {}

  handleMany(events: readonly EventEnvelope<PayloadOf<typeof OrderPlaced>>[], manager: EntityManager): Promise<void> {
    return this.webhooks.fanOut(manager, 'order.placed', events);
  }
}
