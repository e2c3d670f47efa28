import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { NotificationsError } from '../../domain/notification-errors';
import type { Requester } from '../../domain/webhook-endpoint';
import { lockDelivery, lockSequence, redispatch, sequenceOf } from '../../infrastructure/delivery-store';
import { WebhookDeliveryJobs } from '../../infrastructure/webhook-delivery-jobs';
import { managedEndpoint } from '../managed-endpoint';

export class RedeliverWebhook extends Command<{ id: string; status: 'pending' }> {
  constructor(
    readonly endpointId: string,
    readonly deliveryId: string,
    readonly requester: Requester,
  ) {
    super();
  }
}

/**
 * Queues a delivery again with a fresh run of attempts, whatever became of it. It keeps
 * its place in its order's sequence. A disabled endpoint stays disabled: the attempt then
 * fails at once; enable the endpoint first.
 */
@CommandHandler(RedeliverWebhook)
export class RedeliverWebhookHandler implements ICommandHandler<RedeliverWebhook> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly jobs: WebhookDeliveryJobs,
  ) {}

  execute(command: RedeliverWebhook): Promise<{ id: string; status: 'pending' }> {
    return this.dataSource.transaction(async (manager) => {
      await managedEndpoint(manager, command.endpointId, command.requester);
      const sequence = await sequenceOf(manager, command.deliveryId);
      if (!sequence || sequence.endpointId !== command.endpointId) {
        throw new NotificationsError(
          'webhook-delivery-not-found',
          `no delivery ${command.deliveryId} for this endpoint`,
        );
      }
      await lockSequence(manager, sequence.endpointId, sequence.sequenceKey);
      if (!(await lockDelivery(manager, command.deliveryId))) {
        throw new NotificationsError(
          'webhook-delivery-not-found',
          `no delivery ${command.deliveryId} for this endpoint`,
        );
      }
      await manager.query(
        `UPDATE notifications.webhook_deliveries SET status = 'pending', attempts = 0, delivered_at = NULL WHERE id = $1`,
        [command.deliveryId],
      );
      const dispatch = await redispatch(manager, command.deliveryId, 0);
      await this.jobs.schedule([{ deliveryId: command.deliveryId, dispatch }]);
      return { id: command.deliveryId, status: 'pending' };
    });
  }
}
