import type { EntityManager } from 'typeorm';
import { PaymentFailed, PaymentRefunded, PaymentSucceeded, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { WebhookFanOut } from '../webhook-fan-out';

/*
 * Payment webhooks. A payment event is about an order, so its delivery takes its place in
 * that order's sequence (payment.succeeded before the order.confirmed it caused).
 */

@OnIntegrationEvent(PaymentSucceeded)
export class AnnouncePaymentSucceededHandler implements IntegrationEventHandler<PayloadOf<typeof PaymentSucceeded>> {
  constructor(private readonly webhooks: WebhookFanOut) {}

  handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof PaymentSucceeded>>[],
    manager: EntityManager,
  ): Promise<void> {
    return this.webhooks.fanOut(manager, 'payment.succeeded', events);
  }
}

@OnIntegrationEvent(PaymentFailed)
export class AnnouncePaymentFailedHandler implements IntegrationEventHandler<PayloadOf<typeof PaymentFailed>> {
  constructor(private readonly webhooks: WebhookFanOut) {}

  handleMany(events: readonly EventEnvelope<PayloadOf<typeof PaymentFailed>>[], manager: EntityManager): Promise<void> {
    return this.webhooks.fanOut(manager, 'payment.failed', events);
  }
}

@OnIntegrationEvent(PaymentRefunded)
export class AnnouncePaymentRefundedHandler implements IntegrationEventHandler<PayloadOf<typeof PaymentRefunded>> {
  constructor(private readonly webhooks: WebhookFanOut) {}

  handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof PaymentRefunded>>[],
    manager: EntityManager,
  ): Promise<void> {
    return this.webhooks.fanOut(manager, 'payment.refunded', events);
  }
}
