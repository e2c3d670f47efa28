import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import { isPaymentId, STATUSES_UNMOVED_BY } from '../../domain/payment';
import { PaymentsError } from '../../domain/payment-errors';
import { PaymentJobs } from '../../infrastructure/payment-jobs';
import { paymentMetrics } from '../../infrastructure/payment-metrics';
import { PAYMENT_PROVIDERS, type PaymentProviders } from '../ports/payment-provider';

export interface WebhookReceipt {
  readonly received: true;
  /** The provider sent this event id before: nothing new happens. */
  readonly duplicate: boolean;
}

export class ReceiveProviderWebhook extends Command<WebhookReceipt> {
  constructor(
    readonly provider: string,
    readonly rawBody: Buffer,
    readonly headers: Record<string, string | string[] | undefined>,
  ) {
    super();
  }
}

/**
 * A provider's webhook: its signature and age are checked, the event is recorded under the
 * provider's event id (a replay finds it and changes nothing) and handed to a queue, so the
 * provider gets its 2xx in milliseconds. An event recorded but not yet applied is queued
 * again on a replay: the job id makes that a no-op if its job still exists.
 *
 * Most webhooks report what the charge job already learned from the provider's answer. When
 * the same statement that records the event finds the payment in a status the report can
 * never move (the domain's STATUSES_UNMOVED_BY), the event is recorded as processed and no
 * job is queued: one Redis job and one transaction fewer per charge.
 */
@CommandHandler(ReceiveProviderWebhook)
export class ReceiveProviderWebhookHandler implements ICommandHandler<ReceiveProviderWebhook> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly jobs: PaymentJobs,
    @Inject(PAYMENT_PROVIDERS) private readonly providers: PaymentProviders,
  ) {}

  async execute({ provider: name, rawBody, headers }: ReceiveProviderWebhook): Promise<WebhookReceipt> {
    const provider = this.providers.get(name);
    if (!provider) throw new PaymentsError('unknown-provider', `no payment provider "${name}"`);
    const event = provider.parseWebhook(rawBody, headers, new Date());
    const [inserted] = await queryPrepared<{ processed: boolean }>(
      this.dataSource,
      `INSERT INTO payments.provider_events (provider, event_id, type, payload, processed_at)
       SELECT $1, $2, $3, $4,
              (SELECT now() FROM payments.payments WHERE id = $5::uuid AND status = ANY($6::text[]))
       ON CONFLICT (provider, event_id) DO NOTHING RETURNING processed_at IS NOT NULL AS processed`,
      [
        name,
        event.id,
        event.type,
        JSON.stringify(event),
        isPaymentId(event.reference) ? event.reference : null,
        STATUSES_UNMOVED_BY[event.type],
      ],
    );
    if (!inserted) {
      paymentMetrics.webhooks.inc({ provider: name, result: 'duplicate' });
      const [row] = (await this.dataSource.query(
        `SELECT processed_at FROM payments.provider_events WHERE provider = $1 AND event_id = $2`,
        [name, event.id],
      )) as { processed_at: Date | null }[];
      if (row && row.processed_at === null) await this.jobs.applyProviderEvent(name, event.id);
      return { received: true, duplicate: true };
    }
    paymentMetrics.webhooks.inc({ provider: name, result: inserted.processed ? 'settled-at-receipt' : 'queued' });
    if (!inserted.processed) await this.jobs.applyProviderEvent(name, event.id);
    return { received: true, duplicate: false };
  }
}
