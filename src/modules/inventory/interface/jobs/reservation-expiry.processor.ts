import { WorkerHost } from '@nestjs/bullmq';
import { CommandBus } from '@nestjs/cqrs';
import { DelayedError, type Job } from 'bullmq';
import { JobProcessor } from '#libs/messaging';
import { ExpireReservation, type ExpiryOutcome } from '../../application/commands/expire-reservation.handler';
import {
  RESERVATION_EXPIRY_QUEUE,
  type ReservationExpiryJob,
} from '../../infrastructure/bullmq-reservation-expiry-jobs';

/** Releases reservations past their deadline; a job that fires early waits for the rest, using no attempt. */
@JobProcessor(RESERVATION_EXPIRY_QUEUE)
export class ReservationExpiryProcessor extends WorkerHost {
  constructor(private readonly commands: CommandBus) {
    super();
  }

  async process(job: Job<ReservationExpiryJob>, token?: string): Promise<ExpiryOutcome['kind']> {
    const outcome = await this.commands.execute(new ExpireReservation(job.data.orderId));
    if (outcome.kind === 'not-due') {
      if (!token) throw new Error(`reservation of order ${job.data.orderId} is not due yet`);
      await job.moveToDelayed(Date.now() + outcome.remainingMs + 50, token);
      throw new DelayedError();
    }
    return outcome.kind;
  }
}
