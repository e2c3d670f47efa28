import { WorkerHost } from '@nestjs/bullmq';
import { CommandBus } from '@nestjs/cqrs';
import type { Job } from 'bullmq';
import { JobProcessor } from '#libs/messaging';
import { RefundPayment } from '../../application/commands/refund-payment.handler';
import { REFUND_QUEUE, type PaymentJob } from '../../infrastructure/bullmq-payment-jobs';

@JobProcessor(REFUND_QUEUE, { lockDurationMs: 10_000, stalledIntervalMs: 5_000 })
export class RefundProcessor extends WorkerHost {
  constructor(private readonly commands: CommandBus) {
    super();
  }

  process(job: Job<PaymentJob>): Promise<string> {
    return this.commands.execute(new RefundPayment(job.data.paymentId));
  }
}
