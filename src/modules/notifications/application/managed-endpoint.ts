import type { EntityManager } from 'typeorm';
import { NotificationsError } from '../domain/notification-errors';
import { canManage, type Requester, type WebhookEndpoint } from '../domain/webhook-endpoint';
import type { EndpointStore } from './ports/endpoint-store';

/**
 * The endpoint if the requester may manage it. Someone else's endpoint is reported as not
 * found, like a missing one: ids of other customers' endpoints are not confirmed.
 */
export async function managedEndpoint(
  endpoints: EndpointStore,
  id: string,
  requester: Requester,
  manager?: EntityManager,
): Promise<WebhookEndpoint> {
  const endpoint = await endpoints.find(id, manager);
  if (!endpoint || !canManage(endpoint.ownerId, requester)) {
    throw new NotificationsError('webhook-endpoint-not-found', `no webhook endpoint ${id}`);
  }
  return endpoint;
}
