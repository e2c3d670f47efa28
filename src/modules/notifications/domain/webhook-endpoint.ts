export type EndpointStatus = 'active' | 'disabled';

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
