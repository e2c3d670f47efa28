import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import type { Requester } from '../../domain/webhook-endpoint';
import { endpointView, type EndpointView } from '../endpoint-view';
import { managedEndpoint } from '../managed-endpoint';
import { EndpointStore } from '../ports/endpoint-store';

export class EnableWebhookEndpoint extends Command<EndpointView> {
  constructor(
    readonly endpointId: string,
    readonly requester: Requester,
  ) {
    super();
  }
}

/**
 * Turns a disabled endpoint back on with a fresh failure run: it gets new events again.
 * Deliveries that failed while it was down stay failed; redeliver them one by one.
 */
@CommandHandler(EnableWebhookEndpoint)
export class EnableWebhookEndpointHandler implements ICommandHandler<EnableWebhookEndpoint> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly endpoints: EndpointStore,
  ) {}

  execute(command: EnableWebhookEndpoint): Promise<EndpointView> {
    return this.dataSource.transaction(async (manager) => {
      const endpoint = await managedEndpoint(this.endpoints, command.endpointId, command.requester, manager);
      await this.endpoints.enable(manager, endpoint.id);
      return endpointView({ ...endpoint, status: 'active', consecutiveFailures: 0, disabledAt: null });
    });
  }
}
