import { WorkerHost } from '@nestjs/bullmq';
import { CommandBus } from '@nestjs/cqrs';
import type { Job } from 'bullmq';
import { JobProcessor } from '#libs/messaging';
import {
  AttemptWebhookDelivery,
  type AttemptOutcome,
} from '../../application/commands/attempt-webhook-delivery.handler';
import type { WebhookDeliveryJob } from '../../application/ports/webhook-delivery-jobs';
import { WEBHOOK_DELIVERY_QUEUE } from '../../infrastructure/bullmq-webhook-delivery-jobs';

/**
 * Makes one attempt of a webhook delivery. A failed HTTP attempt is not a failed job: the
 * attempt schedules its own retry as a new job. The job fails (and BullMQ retries it)
 * only when the row is not visible yet, because the transaction that scheduled it has not
 * committed, or when the database is unreachable. A delivery that is gone (its endpoint was
 * deleted) completes the job: retrying could not bring it back.
 */
@JobProcessor(WEBHOOK_DELIVERY_QUEUE)
export class WebhookDeliveryProcessor extends WorkerHost {
  constructor(private readonly commands: CommandBus) {
    super();
  }

  async process(job: Job<WebhookDeliveryJob>): Promise<AttemptOutcome> {
    const { deliveryId, occurredAt, dispatch, insertedBy } = job.data;
    const outcome = await this.commands.execute(
      new AttemptWebhookDelivery({ id: deliveryId, occurredAt }, dispatch, insertedBy),
    );
    if (outcome === 'not-visible') throw new Error(`webhook delivery ${deliveryId} is not visible (yet)`);
    return outcome;
  }
}
