import { canTransition, Order, type ProductCopy, type OrderState, type OrderStatus } from './order';
import { decodeOrderCursor, encodeOrderCursor } from './order-cursor';
import { OrderingError } from './ordering-errors';

const LAMP = '6f1c1c0e-1d1b-4c43-9b61-0c9b0a1f2a3b';
const DESK = '0b4c4bd2-7a55-4f2e-9a3e-1e1f1c1d1a1b';
const GONE = '9d2f6a8e-3c1b-4e5a-8f7d-2b1c0a9e8d7f';
const DRAFT = 'a1b2c3d4-e5f6-4a1b-8c2d-3e4f5a6b7c8d';
const USD = 'c0ffee00-0000-4000-8000-000000000001';
const placedAt = new Date('2026-03-01T10:00:00.000Z');
const later = new Date('2026-03-01T10:05:00.000Z');

const catalog = new Map<string, ProductCopy>(
  [
    { productId: LAMP, sku: 'LAMP-1', name: 'Lamp', price: { amount: 1999, currency: 'EUR' }, status: 'active' },
    { productId: DESK, sku: 'DESK-1', name: 'Desk', price: { amount: 25000, currency: 'EUR' }, status: 'active' },
    { productId: GONE, sku: 'GONE-1', name: 'Gone', price: { amount: 100, currency: 'EUR' }, status: 'archived' },
    { productId: DRAFT, sku: 'DRAFT-1', name: 'Draft', price: { amount: 100, currency: 'EUR' }, status: 'draft' },
    { productId: USD, sku: 'USD-1', name: 'Imported', price: { amount: 500, currency: 'USD' }, status: 'active' },
  ].map((entry) => [entry.productId, entry as ProductCopy]),
);

function place(lines = [{ productId: LAMP, quantity: 2 }], paymentMethod = 'pm_card'): Order {
  return Order.place({
    id: '11111111-1111-4111-8111-111111111111',
    customerId: '22222222-2222-4222-8222-222222222222',
    lines,
    paymentMethod,
    catalog,
    now: placedAt,
  });
}

function inStatus(status: OrderStatus): Order {
  const placed = place().state;
  const state: OrderState = {
    ...placed,
    status,
    cancelReason: status === 'cancelled' ? 'out_of_stock' : null,
    version: 4,
  };
  return Order.restore(state);
}

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return error instanceof OrderingError ? error.code : `not an OrderingError: ${String(error)}`;
  }
  return undefined;
}

describe('placing an order', () => {
  it('prices each line from the catalog copy and totals them in one currency', () => {
    const order = place([
      { productId: LAMP, quantity: 2 },
      { productId: DESK, quantity: 1 },
    ]).state;
    expect(order).toMatchObject({
      status: 'pending',
      cancelReason: null,
      version: 1,
      total: { amount: 2 * 1999 + 25000, currency: 'EUR' },
      createdAt: placedAt,
      updatedAt: placedAt,
    });
    expect(order.lines).toEqual([
      { productId: LAMP, sku: 'LAMP-1', name: 'Lamp', quantity: 2, unitPrice: { amount: 1999, currency: 'EUR' } },
      { productId: DESK, sku: 'DESK-1', name: 'Desk', quantity: 1, unitPrice: { amount: 25000, currency: 'EUR' } },
    ]);
  });

  it('names every product that is unknown, archived or not active', () => {
    const unknown = '33333333-3333-4333-8333-333333333333';
    let error: OrderingError | undefined;
    try {
      place([
        { productId: LAMP, quantity: 1 },
        { productId: unknown, quantity: 1 },
        { productId: GONE, quantity: 1 },
        { productId: DRAFT, quantity: 1 },
      ]);
    } catch (caught) {
      error = caught as OrderingError;
    }
    expect(error?.code).toBe('products-unavailable');
    expect(error?.unavailable).toEqual([
      { productId: unknown, reason: 'unknown' },
      { productId: GONE, reason: 'archived' },
      { productId: DRAFT, reason: 'draft' },
    ]);
    expect(error?.message).toContain(unknown);
  });

  it('refuses products priced in different currencies', () => {
    expect(
      codeOf(() =>
        place([
          { productId: LAMP, quantity: 1 },
          { productId: USD, quantity: 1 },
        ]),
      ),
    ).toBe('mixed-currencies');
  });

  it('keeps its bounds: 1 to 100 lines, quantities 1 to 1000, each product once, a payment method', () => {
    expect(codeOf(() => place([]))).toBe('invalid-order');
    expect(codeOf(() => place([{ productId: LAMP, quantity: 0 }]))).toBe('invalid-order');
    expect(codeOf(() => place([{ productId: LAMP, quantity: 1001 }]))).toBe('invalid-order');
    expect(codeOf(() => place([{ productId: LAMP, quantity: 1.5 }]))).toBe('invalid-order');
    expect(
      codeOf(() =>
        place([
          { productId: LAMP, quantity: 1 },
          { productId: LAMP, quantity: 2 },
        ]),
      ),
    ).toBe('invalid-order');
    const many = Array.from({ length: 101 }, (_, i) => ({
      productId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      quantity: 1,
    }));
    expect(codeOf(() => place(many))).toBe('invalid-order');
    expect(codeOf(() => place(undefined, ''))).toBe('invalid-order');
    expect(place([{ productId: LAMP, quantity: 1000 }]).state.total.amount).toBe(1999 * 1000);
  });
});

describe('the order saga', () => {
  it('walks pending -> stock_reserved -> paid -> confirmed, one version per transition', () => {
    const order = place();
    expect(order.stockReserved(later)).toEqual({ kind: 'stock-reserved' });
    expect(order.state).toMatchObject({ status: 'stock_reserved', version: 2, updatedAt: later });
    expect(order.paymentSucceeded(later)).toEqual({ kind: 'confirmed' });
    expect(order.state).toMatchObject({ status: 'confirmed', version: 4 });
  });

  it('confirms a pending order whose payment overtook its reservation, then ignores the late reservation', () => {
    const order = place();
    expect(order.paymentSucceeded(later)).toEqual({ kind: 'confirmed' });
    expect(order.stockReserved(later)).toBeUndefined();
    expect(order.reservationExpired(later)).toBeUndefined();
    expect(order.state).toMatchObject({ status: 'confirmed', version: 3 });
  });

  it('cancels for out of stock only while pending', () => {
    const order = place();
    expect(order.stockReservationFailed(later)).toEqual({
      kind: 'cancelled',
      reason: 'out_of_stock',
      previousStatus: 'pending',
    });
    expect(order.state).toMatchObject({ status: 'cancelled', cancelReason: 'out_of_stock', version: 2 });
    expect(inStatus('stock_reserved').stockReservationFailed(later)).toBeUndefined();
  });

  it('cancels an unpaid order when its reservation expires or its payment fails', () => {
    for (const status of ['pending', 'stock_reserved'] as const) {
      const expired = inStatus(status);
      expect(expired.reservationExpired(later)).toEqual({
        kind: 'cancelled',
        reason: 'reservation_expired',
        previousStatus: status,
      });
      expect(expired.state).toMatchObject({ status: 'cancelled', cancelReason: 'reservation_expired', version: 5 });
      const declined = inStatus(status);
      expect(declined.paymentFailed(later)).toMatchObject({ reason: 'payment_failed', previousStatus: status });
    }
  });

  it('never moves a cancelled or confirmed order, whatever arrives (redeliveries, late events)', () => {
    for (const status of ['cancelled', 'confirmed'] as const) {
      const order = inStatus(status);
      const before = order.state;
      expect(order.stockReserved(later)).toBeUndefined();
      expect(order.stockReservationFailed(later)).toBeUndefined();
      expect(order.reservationExpired(later)).toBeUndefined();
      expect(order.paymentSucceeded(later)).toBeUndefined();
      expect(order.paymentFailed(later)).toBeUndefined();
      expect(order.state).toBe(before);
    }
    const reserved = inStatus('stock_reserved');
    expect(reserved.stockReserved(later)).toBeUndefined();
    expect(reserved.state.version).toBe(4);
  });

  it('settles an order past its deadline: unpaid is cancelled timed_out, paid is confirmed, settled is left', () => {
    for (const status of ['pending', 'stock_reserved'] as const) {
      const waiting = inStatus(status);
      expect(waiting.deadlinePassed(later)).toEqual({ kind: 'cancelled', reason: 'timed_out', previousStatus: status });
      expect(waiting.state).toMatchObject({ status: 'cancelled', cancelReason: 'timed_out', version: 5 });
      // A second sweep (another replica, or the next round) finds nothing to do.
      expect(waiting.deadlinePassed(later)).toBeUndefined();
    }
    const paid = inStatus('paid');
    expect(paid.deadlinePassed(later)).toEqual({ kind: 'confirmed' });
    expect(paid.state).toMatchObject({ status: 'confirmed', cancelReason: null, version: 5 });
    for (const status of ['confirmed', 'cancelled'] as const) {
      const settled = inStatus(status);
      const before = settled.state;
      expect(settled.deadlinePassed(later)).toBeUndefined();
      expect(settled.state).toBe(before);
    }
  });

  it('lets the customer cancel before payment only', () => {
    const pending = place();
    expect(pending.cancelByCustomer(later)).toEqual({
      kind: 'cancelled',
      reason: 'customer_cancelled',
      previousStatus: 'pending',
    });
    expect(inStatus('stock_reserved').cancelByCustomer(later)).toMatchObject({ previousStatus: 'stock_reserved' });
    expect(codeOf(() => inStatus('paid').cancelByCustomer(later))).toBe('order-not-cancellable');
    expect(codeOf(() => inStatus('confirmed').cancelByCustomer(later))).toBe('order-not-cancellable');
    expect(codeOf(() => inStatus('cancelled').cancelByCustomer(later))).toBe('order-already-cancelled');
    // An admin may cancel a confirmed order (payments refunds it); a paid one is on its way to confirmed.
    expect(inStatus('confirmed').cancelByAdmin(later)).toMatchObject({
      kind: 'cancelled',
      reason: 'customer_cancelled',
      previousStatus: 'confirmed',
    });
    expect(inStatus('stock_reserved').cancelByAdmin(later)).toMatchObject({ previousStatus: 'stock_reserved' });
    expect(codeOf(() => inStatus('paid').cancelByAdmin(later))).toBe('order-not-cancellable');
  });

  it('has no transition out of a final status, and none backwards', () => {
    expect(canTransition('confirmed', 'cancelled')).toBe(true);
    expect(canTransition('confirmed', 'paid')).toBe(false);
    expect(canTransition('cancelled', 'pending')).toBe(false);
    expect(canTransition('stock_reserved', 'pending')).toBe(false);
    expect(canTransition('paid', 'stock_reserved')).toBe(false);
    expect(canTransition('paid', 'confirmed')).toBe(true);
  });
});

describe('order cursor', () => {
  it('round-trips and refuses garbage', () => {
    const cursor = { createdAt: new Date('2026-03-01T10:00:00.123Z'), id: '11111111-1111-4111-8111-111111111111' };
    expect(decodeOrderCursor(encodeOrderCursor(cursor))).toEqual(cursor);
    expect(() => decodeOrderCursor('bm90IGpzb24')).toThrow('cursor is malformed');
    expect(() => decodeOrderCursor(Buffer.from('["yesterday","x"]').toString('base64url'))).toThrow(
      'cursor is malformed',
    );
  });
});
