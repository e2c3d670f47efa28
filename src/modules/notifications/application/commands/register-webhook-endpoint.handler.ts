import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { NotificationsError } from '../../domain/notification-errors';
import type { WebhookEndpoint } from '../../domain/webhook-endpoint';
import type { WebhookEventType } from '../../domain/webhook-event-types';
import { newSigningSecret } from '../../domain/webhook-signature';
import { WebhookUrl } from '../../domain/webhook-target';
import { endpointView, type CreatedEndpointView } from '../endpoint-view';
import { EndpointStore } from '../ports/endpoint-store';
import { WebhookTargetResolver } from '../ports/webhook-target-resolver';

export class RegisterWebhookEndpoint extends Command<CreatedEndpointView> {
  constructor(
    readonly ownerId: string,
    readonly url: string,
    readonly eventTypes: readonly WebhookEventType[],
  ) {
    super();
  }
}

/**
 * Registers an endpoint for the caller, after the SSRF check of what its host resolves to
 * now (422 when internal; the check runs again before every attempt). The response is the
 * only place the signing secret is ever shown.
 */
@CommandHandler(RegisterWebhookEndpoint)
export class RegisterWebhookEndpointHandler implements ICommandHandler<RegisterWebhookEndpoint> {
  constructor(
    private readonly endpoints: EndpointStore,
    private readonly resolver: WebhookTargetResolver,
  ) {}

  async execute(command: RegisterWebhookEndpoint): Promise<CreatedEndpointView> {
    const url = WebhookUrl.parse(command.url);
    const target = await this.resolver.resolve(url);
    if (!target.ok) throw new NotificationsError('webhook-target-not-allowed', target.error);
    const endpoint: WebhookEndpoint = {
      id: randomUUID(),
      ownerId: command.ownerId,
      url: url.href,
      eventTypes: [...command.eventTypes],
      secret: newSigningSecret(),
      status: 'active',
      consecutiveFailures: 0,
      disabledAt: null,
      createdAt: new Date(),
    };
    await this.endpoints.insert(endpoint);
    return { ...endpointView(endpoint), secret: endpoint.secret };
  }
}
