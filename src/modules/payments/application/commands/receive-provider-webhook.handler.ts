import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { isPaymentId, STATUSES_UNMOVED_BY } from '../../domain/payment';
import { PaymentsError } from '../../domain/payment-errors';
import { paymentMetrics } from '../payment-metrics';
import { PaymentJobs } from '../ports/payment-jobs';
import { PAYMENT_PROVIDERS, type PaymentProviders } from '../ports/payment-provider';
import { ProviderEventStore } from '../ports/provider-event-store';

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
 * A provider's webhook: checked, recorded under its event id (a replay changes nothing) and
 * queued, so the provider gets its 2xx at once. Most only confirm what the charge job learned:
 * when its payment can no longer move (STATUSES_UNMOVED_BY), it is recorded processed, unqueued.
 */
@CommandHandler(ReceiveProviderWebhook)
export class ReceiveProviderWebhookHandler implements ICommandHandler<ReceiveProviderWebhook> {
  constructor(
    private readonly providerEvents: ProviderEventStore,
    private readonly jobs: PaymentJobs,
    @Inject(PAYMENT_PROVIDERS) private readonly providers: PaymentProviders,
  ) {}

  async execute({ provider: name, rawBody, headers }: ReceiveProviderWebhook): Promise<WebhookReceipt> {
    const provider = this.providers.get(name);
    if (!provider) throw new PaymentsError('unknown-provider', `no payment provider "${name}"`);
    const event = provider.parseWebhook(rawBody, headers, new Date());
    const key = { provider: name, eventId: event.id };
    const paymentId = isPaymentId(event.reference) ? event.reference : null;
    const inserted = await this.providerEvents.record(key, event, paymentId, STATUSES_UNMOVED_BY[event.type]);
    if (!inserted) {
      paymentMetrics.webhooks.inc({ provider: name, result: 'duplicate' });
      if (await this.providerEvents.isUnapplied(key)) await this.jobs.applyProviderEvent(key);
      return { received: true, duplicate: true };
    }
    paymentMetrics.webhooks.inc({ provider: name, result: inserted.processed ? 'settled-at-receipt' : 'queued' });
    if (!inserted.processed) await this.jobs.applyProviderEvent(key);
    return { received: true, duplicate: false };
  }
}
