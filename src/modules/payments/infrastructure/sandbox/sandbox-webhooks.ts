import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import type { SandboxEvent } from './sandbox-event';

export const SANDBOX_WEBHOOK_QUEUE = 'payments.sandbox-webhooks';

export interface SandboxWebhookJob {
  readonly event: SandboxEvent;
}

/**
 * The sandbox's webhook outbox: each event is POSTed to Tessera's webhook route by a job,
 * retried until it is answered with a 2xx, as a real provider keeps retrying its webhooks.
 */
@Injectable()
export class SandboxWebhooks {
  constructor(@InjectQueue(SANDBOX_WEBHOOK_QUEUE) private readonly queue: Queue) {}

  async send(type: SandboxEvent['type'], data: SandboxEvent['data']): Promise<void> {
    const event: SandboxEvent = {
      id: `evt_${randomBytes(12).toString('base64url')}`,
      type,
      created: Math.floor(Date.now() / 1000),
      data,
    };
    const job: SandboxWebhookJob = { event };
    await this.queue.add('send', job, {
      jobId: event.id,
      attempts: 12,
      backoff: { type: 'exponential', delay: 500, jitter: 0.5 },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }
}
