import { InventoryError } from './inventory-errors';
import { decodeMovementCursor, encodeMovementCursor } from './movement-cursor';
import {
  canTransition,
  onExpiryDue,
  onOrderCancelled,
  onOrderConfirmed,
  onOrderPlaced,
  RESERVATION_STATUSES,
} from './reservation';
import { adjustOnHand, availableOf, MAX_ON_HAND, setOnHand, type StockLevel } from './stock-level';
import { decideReservation, decideReservationsInTurn, mergeLines, takeFromAvailable } from './stock-reservation';

const lamp: StockLevel = { sku: 'LAMP-1', onHand: 10, reserved: 4 };

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof InventoryError) return error.code;
    throw error;
  }
  return undefined;
}

describe('stock level', () => {
  it('has available = on hand - reserved', () => {
    expect(availableOf(lamp)).toBe(6);
    expect(availableOf({ onHand: 4, reserved: 4 })).toBe(0);
  });

  it('sets on hand and reports the delta, down to exactly what is reserved', () => {
    expect(setOnHand(lamp, 25)).toEqual({ level: { ...lamp, onHand: 25 }, delta: 15 });
    expect(setOnHand(lamp, 4)).toEqual({ level: { ...lamp, onHand: 4 }, delta: -6 });
    expect(setOnHand(lamp, 10).delta).toBe(0);
  });

  it('refuses to set on hand below what is reserved, below zero or past the limit', () => {
    expect(codeOf(() => setOnHand(lamp, 3))).toBe('below-reserved');
    expect(codeOf(() => setOnHand({ ...lamp, reserved: 0 }, -1))).toBe('below-zero');
    expect(codeOf(() => setOnHand(lamp, MAX_ON_HAND + 1))).toBe('stock-limit');
    expect(codeOf(() => setOnHand(lamp, MAX_ON_HAND))).toBeUndefined();
  });

  it('adjusts by a delta, never below reserved or zero', () => {
    expect(adjustOnHand(lamp, 5)).toEqual({ level: { ...lamp, onHand: 15 }, delta: 5 });
    expect(adjustOnHand(lamp, -6).level.onHand).toBe(4);
    expect(codeOf(() => adjustOnHand(lamp, -7))).toBe('below-reserved');
    expect(codeOf(() => adjustOnHand({ ...lamp, reserved: 0 }, -11))).toBe('below-zero');
    expect(() => adjustOnHand(lamp, 0)).toThrow('non-zero');
    expect(() => adjustOnHand(lamp, 1.5)).toThrow('non-zero');
  });
});

describe('all-or-none reservation', () => {
  const available = new Map([
    ['A', 5],
    ['B', 1],
  ]);

  it('reserves every line when every SKU has enough, one sorted line per SKU', () => {
    expect(
      decideReservation(available, [
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 2 },
        { sku: 'A', quantity: 3 },
      ]),
    ).toEqual({
      kind: 'reserved',
      lines: [
        { sku: 'A', quantity: 5 },
        { sku: 'B', quantity: 1 },
      ],
    });
  });

  it('refuses the whole order and lists every short line when one is short', () => {
    expect(
      decideReservation(available, [
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 2 },
        { sku: 'C', quantity: 1 },
      ]),
    ).toEqual({
      kind: 'refused',
      shortLines: [
        { sku: 'B', requested: 2, available: 1 },
        { sku: 'C', requested: 1, available: 0 },
      ],
    });
  });

  it('counts the sum of a SKU listed twice against what is available', () => {
    expect(
      decideReservation(available, [
        { sku: 'A', quantity: 3 },
        { sku: 'A', quantity: 3 },
      ]),
    ).toEqual({ kind: 'refused', shortLines: [{ sku: 'A', requested: 6, available: 5 }] });
  });

  it('decides orders in turn: each sees what the reserved ones before it left', () => {
    const decisions = decideReservationsInTurn(available, [
      [{ sku: 'A', quantity: 3 }],
      [
        { sku: 'A', quantity: 3 },
        { sku: 'B', quantity: 1 },
      ],
      [{ sku: 'B', quantity: 1 }],
      [{ sku: 'A', quantity: 2 }],
      [{ sku: 'A', quantity: 1 }],
    ]);
    expect(decisions).toEqual([
      { kind: 'reserved', lines: [{ sku: 'A', quantity: 3 }] },
      // Refused whole: its units of B stay for the next order.
      { kind: 'refused', shortLines: [{ sku: 'A', requested: 3, available: 2 }] },
      { kind: 'reserved', lines: [{ sku: 'B', quantity: 1 }] },
      { kind: 'reserved', lines: [{ sku: 'A', quantity: 2 }] },
      { kind: 'refused', shortLines: [{ sku: 'A', requested: 1, available: 0 }] },
    ]);
    expect(available).toEqual(
      new Map([
        ['A', 5],
        ['B', 1],
      ]),
    );
  });

  it('rejects empty orders and quantities that are not positive whole numbers', () => {
    expect(() => decideReservation(available, [])).toThrow('at least one line');
    expect(() => mergeLines([{ sku: 'A', quantity: 0 }])).toThrow('positive whole number');
  });

  it('a late confirmation takes what is available and reports what it lacks', () => {
    expect(
      takeFromAvailable(available, [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 3 },
        { sku: 'C', quantity: 1 },
      ]),
    ).toEqual({
      taken: [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
      ],
      short: [
        { sku: 'B', requested: 3, available: 1 },
        { sku: 'C', requested: 1, available: 0 },
      ],
    });
  });
});

describe('reservation status', () => {
  it('reserves only for an order it has never seen (a tombstone blocks a late OrderPlaced)', () => {
    expect(onOrderPlaced(undefined)).toBe('reserve');
    for (const status of RESERVATION_STATUSES) expect(onOrderPlaced(status)).toBe('ignore');
  });

  it('releases a held reservation on cancellation, leaves a tombstone when none exists', () => {
    expect(onOrderCancelled(undefined)).toBe('tombstone');
    expect(onOrderCancelled('reserved')).toBe('release');
    for (const status of ['committed', 'released', 'refused', 'cancelled_before_placed'] as const) {
      expect(onOrderCancelled(status)).toBe('ignore');
    }
  });

  it('commits on confirmation, from available stock when it was released just before, once', () => {
    expect(onOrderConfirmed('reserved')).toBe('commit');
    expect(onOrderConfirmed('released')).toBe('commit-from-available');
    expect(onOrderConfirmed('committed')).toBe('ignore');
    expect(onOrderConfirmed('refused')).toBe('unexpected');
    expect(onOrderConfirmed(undefined)).toBe('unexpected');
  });

  it('expires only a reservation still held past its deadline', () => {
    expect(onExpiryDue('reserved', true)).toBe('release');
    expect(onExpiryDue('reserved', false)).toBe('ignore');
    expect(onExpiryDue('committed', true)).toBe('ignore');
    expect(onExpiryDue('released', true)).toBe('ignore');
    expect(onExpiryDue(undefined, true)).toBe('ignore');
  });

  it('allows only the transitions of the life cycle', () => {
    expect(canTransition('reserved', 'committed')).toBe(true);
    expect(canTransition('reserved', 'released')).toBe(true);
    expect(canTransition('released', 'committed')).toBe(true);
    expect(canTransition('committed', 'released')).toBe(false);
    expect(canTransition('refused', 'reserved')).toBe(false);
    expect(canTransition('cancelled_before_placed', 'reserved')).toBe(false);
  });
});

describe('movement cursor', () => {
  it('round-trips a movement id and refuses anything else', () => {
    expect(decodeMovementCursor(encodeMovementCursor('12345'))).toBe('12345');
    expect(() => decodeMovementCursor('bm90IGEgY3Vyc29y')).toThrow('cursor is malformed');
    expect(() => decodeMovementCursor(Buffer.from('m:0').toString('base64url'))).toThrow('cursor is malformed');
  });
});
