/**
 * The life of one order's reservation:
 *
 *   (none) --placed, enough stock--> reserved --confirmed--> committed
 *   (none) --placed, short---------> refused                     ^
 *   (none) --cancelled-------------> cancelled_before_placed     | confirmed (late: units taken
 *   reserved --cancelled / expired--> released ------------------+  again from what is available)
 *
 * `cancelled_before_placed` is a tombstone: a late OrderPlaced reserves nothing. Anything
 * else an event asks for is ignored, which makes a re-published event harmless.
 */
export type ReservationStatus = 'reserved' | 'committed' | 'released' | 'refused' | 'cancelled_before_placed';

export const RESERVATION_STATUSES: readonly ReservationStatus[] = [
  'reserved',
  'committed',
  'released',
  'refused',
  'cancelled_before_placed',
];

/** OrderPlaced: decide only for an order the inventory has never seen. */
export function onOrderPlaced(status: ReservationStatus | undefined): 'reserve' | 'ignore' {
  return status === undefined ? 'reserve' : 'ignore';
}

/** OrderCancelled: give back what is held; remember a cancellation that came first. */
export function onOrderCancelled(status: ReservationStatus | undefined): 'tombstone' | 'release' | 'ignore' {
  if (status === undefined) return 'tombstone';
  return status === 'reserved' ? 'release' : 'ignore';
}

/**
 * OrderConfirmed: the reserved units leave stock, or, released just before, units from what is
 * available. Any other state is `unexpected` (logged, nothing changes).
 */
export function onOrderConfirmed(
  status: ReservationStatus | undefined,
): 'commit' | 'commit-from-available' | 'ignore' | 'unexpected' {
  switch (status) {
    case 'reserved':
      return 'commit';
    case 'released':
      return 'commit-from-available';
    case 'committed':
      return 'ignore';
    default:
      return 'unexpected';
  }
}

/**
 * A reservation the sweeper found past its deadline, read again under its row lock: release it
 * if it is still held and due; anything else (decided meanwhile, deadline moved) is left alone.
 */
export function onExpiryDue(status: ReservationStatus | undefined, due: boolean): 'release' | 'ignore' {
  return status === 'reserved' && due ? 'release' : 'ignore';
}

const TRANSITIONS: Readonly<Record<ReservationStatus, readonly ReservationStatus[]>> = {
  reserved: ['committed', 'released'],
  released: ['committed'],
  committed: [],
  refused: [],
  cancelled_before_placed: [],
};

export function canTransition(from: ReservationStatus, to: ReservationStatus): boolean {
  return TRANSITIONS[from].includes(to);
}
