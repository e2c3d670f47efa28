import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import type { Requester } from '../../domain/webhook-endpoint';
import { managedEndpoint } from '../managed-endpoint';
import { EndpointStore } from '../ports/endpoint-store';

export class DeleteWebhookEndpoint extends Command<void> {
  constructor(
    readonly endpointId: string,
    readonly requester: Requester,
  ) {
    super();
  }
}

/**
 * Deletes an endpoint (its owner or an admin) and its delivery log. Jobs already queued
 * for its deliveries find no row and do nothing.
 */
@CommandHandler(DeleteWebhookEndpoint)
export class DeleteWebhookEndpointHandler implements ICommandHandler<DeleteWebhookEndpoint> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly endpoints: EndpointStore,
  ) {}

  async execute(command: DeleteWebhookEndpoint): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const endpoint = await managedEndpoint(this.endpoints, command.endpointId, command.requester, manager);
      await this.endpoints.delete(manager, endpoint.id);
    });
  }
}
