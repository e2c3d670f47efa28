import { WorkerHost } from '@nestjs/bullmq';
import { CommandBus } from '@nestjs/cqrs';
import type { Job } from 'bullmq';
import { JobProcessor } from '#libs/messaging';
import { ChargePayment } from '../../application/commands/charge-payment.handler';
import type { ChargeResult } from '../../application/provider-charge';
import { CHARGE_LOCK_MS, CHARGE_QUEUE, type PaymentJob } from '../../infrastructure/bullmq-payment-jobs';

/**
 * Runs charges. A worker killed mid-charge loses its job's lock within 10 s and another
 * worker (or this one, restarted) runs it again with the same idempotency key.
 */
@JobProcessor(CHARGE_QUEUE, { lockDurationMs: CHARGE_LOCK_MS, stalledIntervalMs: 5_000 })
export class ChargeProcessor extends WorkerHost {
  constructor(private readonly commands: CommandBus) {
    super();
  }

  process(job: Job<PaymentJob>): Promise<ChargeResult> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return this.commands.execute(new ChargePayment(job.data.paymentId, lastAttempt));
  }
}
