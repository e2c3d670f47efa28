import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import { PaymentsError } from '../../domain/payment-errors';
import { PaymentJobs } from '../../infrastructure/payment-jobs';
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
    const inserted = await queryPrepared(
      this.dataSource,
      `INSERT INTO provider_events (provider, event_id, type, payload) VALUES ($1, $2, $3, $4)
       ON CONFLICT (provider, event_id) DO NOTHING RETURNING event_id`,
      [name, event.id, event.type, JSON.stringify(event)],
    );
    if (inserted.length === 0) {
      const [row] = (await this.dataSource.query(
        `SELECT processed_at FROM provider_events WHERE provider = $1 AND event_id = $2`,
        [name, event.id],
      )) as { processed_at: Date | null }[];
      if (row && row.processed_at === null) await this.jobs.applyProviderEvent(name, event.id);
      return { received: true, duplicate: true };
    }
    await this.jobs.applyProviderEvent(name, event.id);
    return { received: true, duplicate: false };
  }
}
