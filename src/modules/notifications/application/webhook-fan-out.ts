import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '#libs/contracts';
import { webhookBody } from '../domain/webhook-body';
import type { WebhookEventType } from '../domain/webhook-event-types';
import { DeliveryStore } from './ports/delivery-store';
import { WebhookDeliveryJobs } from './ports/webhook-delivery-jobs';

/** What every forwarded event is about: an order of a customer. */
export interface OrderSubject {
  readonly orderId: string;
  readonly customerId: string;
}

/**
 * Turns integration events into one delivery per interested endpoint, in the inbox's
 * transaction (so a redelivered event adds nothing), and schedules their first attempts: one
 * statement and one `addBulk` per inbox transaction (docs/decisions/0007-set-wise-inbox-handlers.md).
 */
@Injectable()
export class WebhookFanOut {
  constructor(
    private readonly deliveries: DeliveryStore,
    private readonly jobs: WebhookDeliveryJobs,
  ) {}

  async fanOut(
    manager: EntityManager,
    type: WebhookEventType,
    events: readonly EventEnvelope<OrderSubject>[],
  ): Promise<void> {
    const recorded = await this.deliveries.record(
      manager,
      events.map((event) => ({
        eventId: event.id,
        type,
        sequenceKey: event.payload.orderId,
        occurredAt: event.occurredAt,
        body: webhookBody(type, event),
        customerId: event.payload.customerId,
      })),
    );
    await this.jobs.schedule(recorded.map(({ insertedBy, ...delivery }) => ({ delivery, dispatch: 1, insertedBy })));
  }
}
