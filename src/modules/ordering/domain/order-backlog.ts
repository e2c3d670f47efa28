/**
 * The orders in the saga: placed and not yet `confirmed` or `cancelled`, and how long ago the
 * oldest of them was placed (0 when there is none).
 */
export interface OrderBacklog {
  readonly orders: number;
  readonly oldestAgeSeconds: number;
}

/**
 * ORDER_BACKLOG_LIMIT as a rule: a new order is taken while fewer orders than the limit are in
 * the saga, so an order never waits in a queue long enough for its reservation to expire
 * (docs/decisions/0038). A limit of 0 takes every order.
 */
export class BacklogLimit {
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 0)
      throw new RangeError(`a backlog limit is a whole number ≥ 0, not ${limit}`);
  }

  get off(): boolean {
    return this.limit === 0;
  }

  /**
   * How far a reading needs to count: past the limit, the exact figure decides nothing, so a
   * reading costs at most this many index entries however far the saga has fallen behind.
   */
  get countUpTo(): number {
    return this.off ? 100_000 : 2 * this.limit;
  }

  /** Whether one more order may enter a saga that holds `ordersInSaga`. */
  admits(ordersInSaga: number): boolean {
    return this.off || ordersInSaga < this.limit;
  }
}
