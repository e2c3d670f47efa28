/** One delayed job per held reservation, due when it expires. */
export abstract class ReservationExpiryJobs {
  /** Scheduled inside the caller's transaction; a job whose reservation is not held does nothing. */
  abstract scheduleEach(reservations: readonly { orderId: string; expiresAt: Date }[]): Promise<void>;
}
