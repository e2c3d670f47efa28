import { CatalogError } from './catalog-errors';

/** An amount in minor units (cents) of one currency: never a float. */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

const MAX_AMOUNT = 100_000_000_00;

export function money(amount: number, currency: string): Money {
  if (!Number.isSafeInteger(amount) || amount < 0 || amount > MAX_AMOUNT) {
    throw new CatalogError('invalid-price', 'price.amount must be a whole number of minor units from 0 to 10000000000');
  }
  if (!/^[A-Z]{3}$/.test(currency))
    throw new CatalogError('invalid-price', 'price.currency must be an ISO 4217 code such as EUR');
  return { amount, currency };
}
