import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { NotificationsError } from '../../domain/notification-errors';
import type { Requester } from '../../domain/webhook-endpoint';
import { managedEndpoint } from '../managed-endpoint';
import { DeliveryStore } from '../ports/delivery-store';
import { EndpointStore } from '../ports/endpoint-store';
import { WebhookDeliveryJobs } from '../ports/webhook-delivery-jobs';

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
    private readonly deliveries: DeliveryStore,
    private readonly endpoints: EndpointStore,
  ) {}

  execute(command: RedeliverWebhook): Promise<{ id: string; status: 'pending' }> {
    return this.dataSource.transaction(async (manager) => {
      await managedEndpoint(this.endpoints, command.endpointId, command.requester, manager);
      // Known by id alone: the lock reads every kept partition, the rest only the row's.
      const delivery = await this.deliveries.lock(manager, { id: command.deliveryId });
      if (delivery?.endpointId !== command.endpointId) {
        throw new NotificationsError(
          'webhook-delivery-not-found',
          `no delivery ${command.deliveryId} for this endpoint`,
        );
      }
      const dispatch = await this.deliveries.restart(manager, delivery);
      await this.jobs.schedule([{ delivery, dispatch }]);
      return { id: command.deliveryId, status: 'pending' };
    });
  }
}
