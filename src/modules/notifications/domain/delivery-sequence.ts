export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/**
 * Deliveries to one endpoint about one order form a sequence, in the order the events
 * happened: `occurredAt`, then `position` (the order the deliveries were recorded in) for
 * events stamped in the same millisecond. A receiver must see order.placed before
 * order.confirmed, so a delivery waits while an earlier one of its sequence is unfinished.
 */
export interface SequencedDelivery {
  readonly id: string;
  readonly occurredAt: Date;
  readonly position: number;
}

export function comesBefore(a: SequencedDelivery, b: SequencedDelivery): boolean {
  const byTime = a.occurredAt.getTime() - b.occurredAt.getTime();
  return byTime !== 0 ? byTime < 0 : a.position < b.position;
}

/**
 * May `delivery` be attempted now, given the unfinished (pending) deliveries of its
 * sequence? Only when none of them comes before it.
 */
export function mayAttempt(delivery: SequencedDelivery, unfinished: readonly SequencedDelivery[]): boolean {
  return !unfinished.some((other) => other.id !== delivery.id && comesBefore(other, delivery));
}

/** The delivery to release once the head of a sequence finished: the earliest unfinished one. */
export function nextInLine<T extends SequencedDelivery>(unfinished: readonly T[]): T | undefined {
  return unfinished.reduce<T | undefined>(
    (earliest, candidate) => (!earliest || comesBefore(candidate, earliest) ? candidate : earliest),
    undefined,
  );
}
