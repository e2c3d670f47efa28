import { Inject, Injectable, Logger } from '@nestjs/common';
import { SETTINGS } from '#libs/config';
import { BacklogLimit, type OrderBacklog } from '../domain/order-backlog';
import { OrderingError } from '../domain/ordering-errors';
import type { OrderingSettings } from '../ordering.settings';
import { OrderBacklogReader } from './ports/order-backlog-reader';

/** How old a backlog reading may be: one statement a second per process, whatever the order rate. */
export const BACKLOG_READ_EVERY_MS = 1000;

/** What a refused customer is told to wait: a few of the saga's seconds, not a tight retry loop. */
export const BACKLOG_RETRY_AFTER_SECONDS = 5;

/**
 * Back-pressure on order placement: beyond ORDER_BACKLOG_LIMIT orders in the saga a new order
 * is refused (503 `order-backlog-full`, `Retry-After`) rather than queued behind the others
 * until its reservation expires. The backlog is read at most once a second per process; the
 * orders this process admitted since are added to it, so one process cannot overshoot the
 * limit by a second's worth of orders (other processes' admissions show at their next read).
 */
@Injectable()
export class OrderAdmission {
  private readonly logger = new Logger('Ordering');
  readonly limit: BacklogLimit;
  private last?: { readonly backlog: OrderBacklog; readonly at: number };
  private reading?: Promise<OrderBacklog>;
  private admittedSinceRead = 0;

  constructor(
    private readonly reader: OrderBacklogReader,
    @Inject(SETTINGS) settings: OrderingSettings,
  ) {
    this.limit = new BacklogLimit(settings.orderBacklogLimit);
  }

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
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<OrderBacklog> {
    try {
      const backlog = await this.reader.read(this.limit.countUpTo);
      this.last = { backlog, at: Date.now() };
      this.admittedSinceRead = 0;
      return backlog;
    } catch (error) {
      // No reading, no refusal: an order the database cannot take fails on its own write.
      this.logger.warn(`could not read the order backlog: ${String(error)}`);
      return this.last?.backlog ?? { orders: 0, oldestAgeSeconds: 0 };
    }
  }
}
