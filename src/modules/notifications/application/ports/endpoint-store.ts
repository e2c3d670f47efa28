import type { EntityManager } from 'typeorm';
import type { FailureRun, WebhookEndpoint } from '../../domain/webhook-endpoint';

/** Customers' webhook endpoints. Methods taking a manager run in the caller's transaction. */
export abstract class EndpointStore {
  abstract find(id: string, manager?: EntityManager): Promise<WebhookEndpoint | undefined>;
  abstract insert(endpoint: WebhookEndpoint): Promise<void>;
  /** Its delivery log goes with it. */
  abstract delete(manager: EntityManager, id: string): Promise<void>;
  /** Active again, with a fresh failure run. */
  abstract enable(manager: EntityManager, id: string): Promise<void>;
  /** An owner's endpoints, newest first, after the (createdAt, id) position when given. */
  abstract ownedBy(
    ownerId: string,
    limit: number,
    after: { createdAt: Date; id: string } | undefined,
  ): Promise<WebhookEndpoint[]>;
  /** The endpoint's run of failures, locked until the transaction ends (new deliveries to it are not blocked). */
  abstract lockFailureRun(manager: EntityManager, endpointId: string): Promise<FailureRun | undefined>;
  abstract saveFailureRun(manager: EntityManager, endpointId: string, run: FailureRun): Promise<void>;
}
