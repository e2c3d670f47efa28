import { BacklogLimit, type OrderBacklog } from '../domain/order-backlog';
import { OrderingError } from '../domain/ordering-errors';

/**
 * How old a backlog reading may be: one statement a second per process, whatever the order rate,
 * and no more while the database cannot answer it.
 */
export const BACKLOG_READ_EVERY_MS = 1000;

/** What a refused customer is told to wait: a few of the saga's seconds, not a tight retry loop. */
export const BACKLOG_RETRY_AFTER_SECONDS = 5;

/**
 * Back-pressure on order placement: beyond the limit of orders in the saga a new order is
 * refused (`order-backlog-full`) rather than queued behind the others until its reservation
 * expires. The backlog is read at most once every BACKLOG_READ_EVERY_MS; the orders admitted
 * since are added to it, so one process cannot overshoot the limit by a second's worth of
 * orders (other processes' admissions show at the next read). Plain TypeScript: the Nest
 * provider is `OrderAdmission`.
 */
export class BacklogGate {
  private last?: { readonly backlog: OrderBacklog; readonly at: number };
  private failedAt?: number;
  private reading?: Promise<OrderBacklog>;
  private admittedSinceRead = 0;

  constructor(
    readonly limit: BacklogLimit,
    private readonly read: (countUpTo: number) => Promise<OrderBacklog>,
    private readonly unreadable: (error: unknown) => void,
  ) {}

  /** Throws `order-backlog-full` when the saga holds as many orders as the limit allows. */
  async admit(): Promise<void> {
    if (this.limit.off) return;
    const backlog = await this.backlog();
    if (!this.limit.admits(backlog.orders + this.admittedSinceRead))
      throw new OrderingError(
        'order-backlog-full',
        `${backlog.orders} orders are waiting for their reservation, payment or confirmation (the limit is ${this.limit.limit}); retry in ${BACKLOG_RETRY_AFTER_SECONDS} s`,
      );
    this.admittedSinceRead += 1;
  }

  /** The backlog, read at most BACKLOG_READ_EVERY_MS ago; concurrent callers share one read. */
  async backlog(): Promise<OrderBacklog> {
    const last = this.last;
    if (last && Date.now() - last.at < BACKLOG_READ_EVERY_MS) return last.backlog;
    if (this.failedAt !== undefined && Date.now() - this.failedAt < BACKLOG_READ_EVERY_MS) return this.lastOrNone();
    this.reading ??= this.readNow().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readNow(): Promise<OrderBacklog> {
    try {
      const backlog = await this.read(this.limit.countUpTo);
      this.last = { backlog, at: Date.now() };
      this.failedAt = undefined;
      this.admittedSinceRead = 0;
      return backlog;
    } catch (error) {
      // No reading, no refusal on its account: an order the database cannot take fails on its own write.
      // Nor do the orders tried meanwhile add up: most failed, and would refuse orders once it is back.
      this.failedAt = Date.now();
      this.admittedSinceRead = 0;
      this.unreadable(error);
      return this.lastOrNone();
    }
  }

  private lastOrNone(): OrderBacklog {
    return this.last?.backlog ?? { orders: 0, oldestAgeSeconds: 0 };
  }
}
