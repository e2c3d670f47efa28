import { InventoryError } from './inventory-errors';

/** The most units one SKU may have on hand (keeps every sum well inside a 32-bit column). */
export const MAX_ON_HAND = 1_000_000_000;

/** What the warehouse holds of one SKU, and how much of it is promised to open orders. */
export interface StockLevel {
  readonly sku: string;
  readonly onHand: number;
  readonly reserved: number;
}

/** A change of the units on hand, as the audit trail records it. */
export interface OnHandChange {
  readonly level: StockLevel;
  readonly delta: number;
}

/** Units that can still be promised: on hand minus what open reservations hold. */
export function availableOf(level: Pick<StockLevel, 'onHand' | 'reserved'>): number {
  return level.onHand - level.reserved;
}

/** A count taken by hand: the new on-hand figure, which may never drop below what is reserved. */
export function setOnHand(level: StockLevel, onHand: number): OnHandChange {
  return { level: { ...level, onHand: checkedOnHand(level, onHand) }, delta: onHand - level.onHand };
}

/** A correction by a number of units (breakage, a delivery...): non-zero, never below zero or what is reserved. */
export function adjustOnHand(level: StockLevel, delta: number): OnHandChange {
  if (!Number.isSafeInteger(delta) || delta === 0) {
    throw new RangeError('an adjustment is a non-zero whole number of units');
  }
  return { level: { ...level, onHand: checkedOnHand(level, level.onHand + delta) }, delta };
}

function checkedOnHand(level: StockLevel, onHand: number): number {
  if (!Number.isSafeInteger(onHand)) throw new RangeError('on hand is a whole number of units');
  if (onHand < 0) {
    throw new InventoryError('below-zero', `${level.sku} would have ${onHand} units on hand; it cannot go below 0`);
  }
  if (onHand < level.reserved) {
    throw new InventoryError(
      'below-reserved',
      `${level.sku} has ${level.reserved} units reserved for open orders; on hand cannot go below that (asked ${onHand})`,
    );
  }
  if (onHand > MAX_ON_HAND) {
    throw new InventoryError(
      'stock-limit',
      `${level.sku} cannot hold more than ${MAX_ON_HAND} units (asked ${onHand})`,
    );
  }
  return onHand;
}
