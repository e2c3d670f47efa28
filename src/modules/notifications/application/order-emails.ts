import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { orderEmail, type OrderNews } from '../domain/order-email';
import { emailOf } from '../infrastructure/customer-directory';
import { EmailJobs } from '../infrastructure/email-jobs';

/** Emails a customer about their order, addressed from the projection of identity's accounts. */
@Injectable()
export class OrderEmails {
  private readonly logger = new Logger('Notifications');

  constructor(private readonly jobs: EmailJobs) {}

  async schedule(manager: EntityManager, eventId: string, customerId: string, news: OrderNews): Promise<void> {
    const to = await emailOf(manager, customerId);
    if (!to) {
      // Info, not a warning: tokens minted outside identity (load tests, the e2e flash sale)
      // place orders for accounts identity never announced, by the thousand.
      this.logger.log(`no email known for customer ${customerId}; order ${news.orderId} (${news.kind}) is not emailed`);
      return;
    }
    await this.jobs.schedule({ eventId, message: orderEmail(to, news) });
  }
}
