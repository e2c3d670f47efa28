import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { orderEmail, type OrderNews } from '../domain/order-email';
import { CustomerDirectory } from './ports/customer-directory';
import { EmailJobs } from './ports/email-jobs';

/** News of an order for its customer, from the integration event that carried it. */
export interface OrderNewsItem {
  readonly eventId: string;
  readonly customerId: string;
  readonly news: OrderNews;
}

/** Emails customers about their orders, addressed from the projection of identity's accounts. */
@Injectable()
export class OrderEmails {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly jobs: EmailJobs,
    private readonly customers: CustomerDirectory,
  ) {}

  /** Queues the emails of one inbox transaction's events: one read of the addresses, one `addBulk`. */
  async schedule(manager: EntityManager, items: readonly OrderNewsItem[]): Promise<void> {
    if (items.length === 0) return;
    const addresses = await this.customers.emailsOf(
      manager,
      items.map((item) => item.customerId),
    );
    const unknown = items.filter((item) => !addresses.has(item.customerId));
    if (unknown.length > 0) {
      // Info, not a warning: tokens minted outside identity (load tests, the e2e flash sale)
      // place orders for accounts identity never announced, by the thousand.
      const sample = unknown
        .slice(0, 3)
        .map((item) => `${item.customerId} (order ${item.news.orderId}, ${item.news.kind})`);
      this.logger.log(
        `no email known for ${unknown.length} order email(s), not sent: ${sample.join(', ')}${unknown.length > 3 ? ', …' : ''}`,
      );
    }
    await this.jobs.schedule(
      items.flatMap((item) => {
        const to = addresses.get(item.customerId);
        return to ? [{ eventId: item.eventId, message: orderEmail(to, item.news) }] : [];
      }),
    );
  }
}
