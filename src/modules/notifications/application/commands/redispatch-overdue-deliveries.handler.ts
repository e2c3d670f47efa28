import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { SETTINGS } from '#libs/config';
import type { NotificationsSettings } from '../../notifications.settings';
import { DeliveryStore } from '../ports/delivery-store';
import { WebhookDeliveryJobs } from '../ports/webhook-delivery-jobs';

/** How many overdue deliveries one sweep schedules again. */
const SWEEP_LIMIT = 500;

export class RedispatchOverdueDeliveries extends Command<number> {}

/**
 * The safety net under the job queue: pending deliveries due for longer than an attempt
 * can take (their job was lost, e.g. a queue flushed or a crash between two steps) get
 * their current dispatch scheduled again. A job that still exists under that id is not
 * duplicated; a parked delivery (waiting for its predecessor) has no due time and is left alone.
 */
@CommandHandler(RedispatchOverdueDeliveries)
export class RedispatchOverdueDeliveriesHandler implements ICommandHandler<RedispatchOverdueDeliveries> {
  constructor(
    private readonly deliveries: DeliveryStore,
    private readonly jobs: WebhookDeliveryJobs,
    @Inject(SETTINGS) private readonly settings: NotificationsSettings,
  ) {}

  async execute(): Promise<number> {
    const graceMs = Math.max(120_000, 3 * this.settings.webhookTimeoutMs);
    const overdue = await this.deliveries.overdue(graceMs, SWEEP_LIMIT);
    await this.jobs.schedule(overdue.map((delivery) => ({ delivery, dispatch: delivery.dispatch })));
    return overdue.length;
  }
}
