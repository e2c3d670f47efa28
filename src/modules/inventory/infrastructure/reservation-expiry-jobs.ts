import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';

export const RESERVATION_EXPIRY_QUEUE = 'inventory.reservation-expiry';

export interface ReservationExpiryJob {
  readonly orderId: string;
}

/** One delayed job per held reservation, due when it expires. */
@Injectable()
export class ReservationExpiryJobs {
  constructor(@InjectQueue(RESERVATION_EXPIRY_QUEUE) private readonly queue: Queue) {}

  /**
   * Schedules the expiry of each reservation, all in one round trip to the queue. A job's id
   * is derived from its order (BullMQ ids may not contain ':'), so a redelivered event
   * schedules nothing twice; a job left by a transaction that rolled back finds no held
   * reservation and does nothing.
   */
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
