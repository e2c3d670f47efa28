import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { ReservationExpiryJobs } from '../application/ports/reservation-expiry-jobs';

export const RESERVATION_EXPIRY_QUEUE = 'inventory.reservation-expiry';

export interface ReservationExpiryJob {
  readonly orderId: string;
}

@Injectable()
export class BullmqReservationExpiryJobs implements ReservationExpiryJobs {
  constructor(@InjectQueue(RESERVATION_EXPIRY_QUEUE) private readonly queue: Queue) {}

  // One round trip; the job id is the order's (BullMQ ids may not contain ':'), so a redelivery adds none.
  async scheduleEach(reservations: readonly { orderId: string; expiresAt: Date }[]): Promise<void> {
    if (reservations.length === 0) return;
    await this.queue.addBulk(reservations.map(({ orderId, expiresAt }) => expiryJob(orderId, expiresAt)));
  }
}

function expiryJob(orderId: string, expiresAt: Date) {
  const data: ReservationExpiryJob = { orderId };
  return {
    name: 'expire',
    data,
    opts: {
      jobId: `expire-${orderId}`,
      delay: Math.max(0, expiresAt.getTime() - Date.now()),
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  };
}
