/**
 * How a process divides its budget of connections to one database (`DATABASE_POOL_SIZE`)
 * between the work it runs: HTTP requests, event delivery (outbox relays, inbox consumers and
 * their handlers), and BullMQ's PostgreSQL backend when queues live in this database. Each
 * share is a pool of its own, so a backlog in one cannot take the connections of another; the
 * shares add up to the budget. LISTEN takes one connection beside the budget.
 */
export interface ConnectionShares {
  readonly requests: number;
  readonly events: number;
  readonly queues: number;
}

export interface BudgetInput {
  /** `DATABASE_POOL_SIZE`. */
  readonly budget: number;
  /** `DATABASE_MESSAGING_POOL_SIZE`: kept for event delivery when the process also serves requests. */
  readonly reservedForEvents: number;
  readonly servesRequests: boolean;
  readonly deliversEvents: boolean;
  /** BullMQ's PostgreSQL backend keeps its jobs in this database. */
  readonly holdsQueues: boolean;
}

export class ConnectionBudgetError extends Error {}

export function connectionShares(input: BudgetInput): ConnectionShares {
  const { budget, servesRequests, deliversEvents, holdsQueues } = input;
  const needed = (servesRequests ? 1 : 0) + (deliversEvents ? 1 : 0) + (holdsQueues ? 1 : 0);
  if (budget < Math.max(1, needed)) {
    throw new ConnectionBudgetError(
      `DATABASE_POOL_SIZE=${budget} is too small for this process: it needs at least ${needed} (one connection each for ${describe(input)})`,
    );
  }
  // The queue backend polls and claims in short statements: a quarter of the budget serves it.
  const queues = holdsQueues ? Math.max(1, Math.floor(budget / 4)) : 0;
  const rest = budget - queues;
  if (!servesRequests) return { requests: 0, events: rest, queues };
  if (!deliversEvents) return { requests: rest, events: 0, queues };
  const events = Math.min(Math.max(1, input.reservedForEvents), rest - 1);
  return { requests: rest - events, events, queues };
}

function describe({ servesRequests, deliversEvents, holdsQueues }: BudgetInput): string {
  return [servesRequests && 'requests', deliversEvents && 'event delivery', holdsQueues && 'the queue backend']
    .filter(Boolean)
    .join(', ');
}
