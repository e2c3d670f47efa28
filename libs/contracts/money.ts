import { z } from 'zod';

/** Money as every contract carries it: integer minor units and an ISO 4217 currency. */
export const moneySchema = z
  .object({ amount: z.number().int().nonnegative(), currency: z.string().regex(/^[A-Z]{3}$/) })
  .strict();

export type MoneyPayload = z.infer<typeof moneySchema>;
