/** Who asks: the customer a payment belongs to, or an admin, may see it. */
export interface Requester {
  readonly id: string;
  readonly isAdmin: boolean;
}
