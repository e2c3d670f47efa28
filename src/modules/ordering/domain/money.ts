/** An amount in minor units (cents) of one ISO 4217 currency: never a float. */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}
