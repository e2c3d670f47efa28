import type { EntityManager } from 'typeorm';
import { NotificationsError } from '../domain/notification-errors';
import { canManage, type Requester } from '../domain/webhook-endpoint';
import { WebhookEndpointRecord } from '../infrastructure/webhook-endpoint.record';

/**
 * The endpoint if the requester may manage it. Someone else's endpoint is reported as not
 * found, like a missing one: ids of other customers' endpoints are not confirmed.
 */
export async function managedEndpoint(
  manager: EntityManager,
  id: string,
  requester: Requester,
): Promise<WebhookEndpointRecord> {
  const endpoint = await manager.getRepository(WebhookEndpointRecord).findOneBy({ id });
  if (!endpoint || !canManage(endpoint.ownerId, requester)) {
    throw new NotificationsError('webhook-endpoint-not-found', `no webhook endpoint ${id}`);
  }
  return endpoint;
}
