import type { WebhookEventType } from './webhook-event-types';

export type EndpointStatus = 'active' | 'disabled';

export interface WebhookEndpoint {
  readonly id: string;
  readonly ownerId: string;
  readonly url: string;
  readonly eventTypes: WebhookEventType[];
  /** Shown once, in the response that created the endpoint; signs every delivery. */
  readonly secret: string;
  readonly status: EndpointStatus;
  /** Failed attempts in a row, any delivery; a success resets it. */
  readonly consecutiveFailures: number;
  readonly disabledAt: Date | null;
  readonly createdAt: Date;
}

/** Who asks: admins may read and delete any endpoint, anyone else only their own. */
export interface Requester {
  readonly id: string;
  readonly isAdmin: boolean;
}

export function canManage(ownerId: string, requester: Requester): boolean {
  return requester.isAdmin || ownerId === requester.id;
}

export interface FailureRun {
  readonly consecutiveFailures: number;
  readonly status: EndpointStatus;
}

/**
 * An endpoint's health after one attempt: a success ends its run of failures; the
 * `disableAfter`-th failure in a row disables it, so a dead receiver stops costing
 * retries until its owner re-enables it.
 */
export function afterAttempt(run: FailureRun, succeeded: boolean, disableAfter: number): FailureRun {
  if (succeeded) return { consecutiveFailures: 0, status: run.status };
  const consecutiveFailures = run.consecutiveFailures + 1;
  return { consecutiveFailures, status: consecutiveFailures >= disableAfter ? 'disabled' : run.status };
}
