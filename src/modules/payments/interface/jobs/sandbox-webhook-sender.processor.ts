import { Inject } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import type { AddressInfo } from 'node:net';
import { SETTINGS } from '#libs/config';
import type { PaymentsSettings } from '../../payments.settings';
import { JobProcessor } from '#libs/messaging';
import { unsampledTraceHeaders } from '#libs/tracing';
import { signWebhook } from '../../domain/webhook-signature';
import { SANDBOX_SIGNATURE_HEADER } from '../../infrastructure/sandbox/sandbox-event';
import { SANDBOX_WEBHOOK_QUEUE, type SandboxWebhookJob } from '../../infrastructure/sandbox/sandbox-webhooks';

/**
 * The sandbox provider's webhook sender: POSTs each event, signed at the moment of sending,
 * to Tessera's webhook route; anything but a 2xx is retried with backoff.
 */
@JobProcessor(SANDBOX_WEBHOOK_QUEUE)
export class SandboxWebhookSenderProcessor extends WorkerHost {
  constructor(
    private readonly http: HttpAdapterHost,
    @Inject(SETTINGS) private readonly settings: PaymentsSettings,
  ) {
    super();
  }

  async process(job: Job<SandboxWebhookJob>): Promise<number> {
    const body = JSON.stringify(job.data.event);
    const signature = signWebhook(this.settings.paymentSandboxWebhookSecret, body, Math.floor(Date.now() / 1000));
    const response = await fetch(this.webhookUrl(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SANDBOX_SIGNATURE_HEADER]: signature,
        ...unsampledTraceHeaders(),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`webhook ${job.data.event.id} answered ${response.status}`);
    return response.status;
  }

  private webhookUrl(): string {
    if (this.settings.paymentSandboxWebhookUrl) return this.settings.paymentSandboxWebhookUrl;
    const server = this.http.httpAdapter?.getHttpServer() as { address(): AddressInfo | string | null } | undefined;
    const address = server?.address();
    if (!address || typeof address === 'string') {
      throw new Error('this process serves no HTTP: set PAYMENT_SANDBOX_WEBHOOK_URL to reach the webhook route');
    }
    return `http://127.0.0.1:${address.port}/v1/payments/webhooks/sandbox`;
  }
}
