import type { Money } from './money';
import { OrderingError, type UnavailableProduct } from './ordering-errors';

export const ORDER_STATUSES = ['pending', 'stock_reserved', 'paid', 'confirmed', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const CANCEL_REASONS = [
  'out_of_stock',
  'payment_failed',
  'reservation_expired',
  'customer_cancelled',
  'timed_out',
] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

/** What one order may hold; the HTTP layer validates the same bounds first. */
export const ORDER_LIMITS = { maxLines: 100, maxQuantity: 1000, maxPaymentMethodLength: 100 } as const;

/** No control characters or lone surrogates (neither survives JSON into jsonb); the request DTO uses it too. */
export const PAYMENT_METHOD = new RegExp(`^[^\\p{Cc}\\p{Cs}]{1,${ORDER_LIMITS.maxPaymentMethodLength}}$`, 'u');

/** Exactly what `OrderPlaced` (zod's `z.uuid()`) accepts. */
const UUID =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|0{8}-0{4}-0{4}-0{4}-0{12}|f{8}-f{4}-f{4}-f{4}-f{12})$/i;
const CURRENCY = /^[A-Z]{3}$/;

/** A line as the order keeps it: the product's SKU, name and price when the order was placed. */
export interface OrderLine {
  readonly productId: string;
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPrice: Money;
}

export interface OrderState {
  readonly id: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  /** Set exactly when the status is `cancelled`. */
  readonly cancelReason: CancelReason | null;
  readonly lines: readonly OrderLine[];
  readonly total: Money;
  readonly paymentMethod: string;
  /** 1 when placed, +1 on every transition. */
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface RequestedLine {
  readonly productId: string;
  readonly quantity: number;
}

/** Ordering's copy of a catalog product, kept from the catalog's product events. */
export interface ProductCopy {
  readonly productId: string;
  readonly sku: string;
  /** Null only for a product known solely from its archiving. */
  readonly name: string | null;
  readonly price: Money | null;
  readonly status: 'draft' | 'active' | 'archived';
  /** The aggregate version of the last catalog event applied: older events are ignored. */
  readonly version: number;
}

/** A transition that happened, and what the rest of the system must hear about it. */
export type OrderChange =
  | { readonly kind: 'stock-reserved' }
  | { readonly kind: 'confirmed' }
  | {
      readonly kind: 'cancelled';
      readonly reason: CancelReason;
      readonly previousStatus: Exclude<OrderStatus, 'cancelled'>;
    };

/** The saga's state machine: `paid` is passed through to `confirmed`; only an admin cancels a `confirmed` order. */
const NEXT: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['stock_reserved', 'paid', 'cancelled'],
  stock_reserved: ['paid', 'cancelled'],
  paid: ['confirmed'],
  confirmed: ['cancelled'],
  cancelled: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to);
}

/**
 * Saga steps (named after what happened elsewhere) return undefined when the event no longer
 * applies (a redelivery, or overtaken), so an event applied twice or late never moves the order
 * backwards. `cancelByCustomer` is a request, and refuses with an error instead.
 */
export class Order {
  private constructor(private current: OrderState) {}

  /** A new `pending` order, priced from ordering's own copy of the catalog. */
  static place(input: {
    readonly id: string;
    readonly customerId: string;
    readonly lines: readonly RequestedLine[];
    readonly paymentMethod: string;
    readonly catalog: ReadonlyMap<string, ProductCopy>;
    readonly now: Date;
  }): Order {
    assertWellFormed(input.customerId, input.lines, input.paymentMethod);
    const unavailable: UnavailableProduct[] = [];
    const lines: OrderLine[] = [];
    for (const { productId, quantity } of input.lines) {
      const entry = input.catalog.get(productId);
      if (!entry || entry.status !== 'active' || entry.price === null || entry.name === null || !sellable(entry)) {
        unavailable.push({ productId, reason: entry && entry.status !== 'active' ? entry.status : 'unknown' });
        continue;
      }
      lines.push({ productId, sku: entry.sku, name: entry.name, quantity, unitPrice: entry.price });
    }
    if (unavailable.length > 0) {
      throw new OrderingError(
        'products-unavailable',
        `not for sale: ${unavailable.map((p) => `${p.productId} (${p.reason})`).join(', ')}`,
        unavailable,
      );
    }
    const currencies = [...new Set(lines.map((line) => line.unitPrice.currency))];
    if (currencies.length > 1) {
      throw new OrderingError(
        'mixed-currencies',
        `the products are priced in different currencies (${currencies.join(', ')}); one order takes one currency`,
      );
    }
    const amount = lines.reduce((sum, line) => sum + line.unitPrice.amount * line.quantity, 0);
    if (!Number.isSafeInteger(amount)) throw new OrderingError('invalid-order', 'the order total is too large');
    return new Order({
      id: input.id,
      customerId: input.customerId,
      status: 'pending',
      cancelReason: null,
      lines,
      total: { amount, currency: currencies[0] as string },
      paymentMethod: input.paymentMethod,
      version: 1,
      createdAt: input.now,
      updatedAt: input.now,
    });
  }

  static restore(state: OrderState): Order {
    return new Order(state);
  }

  get state(): OrderState {
    return this.current;
  }

  /** Inventory holds every line: `pending` -> `stock_reserved`. */
  stockReserved(now: Date): OrderChange | undefined {
    if (this.current.status !== 'pending') return undefined;
    this.move('stock_reserved', now);
    return { kind: 'stock-reserved' };
  }

  /** Inventory could not hold every line: a `pending` order is cancelled `out_of_stock`. */
  stockReservationFailed(now: Date): OrderChange | undefined {
    if (this.current.status !== 'pending') return undefined;
    return this.cancel('out_of_stock', now);
  }

  /** The reservation ran out before the payment came: cancelled `reservation_expired`. */
  reservationExpired(now: Date): OrderChange | undefined {
    if (!this.isOpen()) return undefined;
    return this.cancel('reservation_expired', now);
  }

  /** From `pending` too: the payment's event may overtake the reservation's (different queues). */
  paymentSucceeded(now: Date): OrderChange | undefined {
    if (!this.isOpen()) return undefined;
    this.move('paid', now);
    this.move('confirmed', now);
    return { kind: 'confirmed' };
  }

  /** The charge failed for good: cancelled `payment_failed`. */
  paymentFailed(now: Date): OrderChange | undefined {
    if (!this.isOpen()) return undefined;
    return this.cancel('payment_failed', now);
  }

  /** What it waited for was lost (docs/decisions/0002-deadlines-and-sweepers.md): paid confirms, open cancels. */
  deadlinePassed(now: Date): OrderChange | undefined {
    if (this.current.status === 'paid') {
      this.move('confirmed', now);
      return { kind: 'confirmed' };
    }
    if (!this.isOpen()) return undefined;
    return this.cancel('timed_out', now);
  }

  /** The customer (or an admin) cancels: only before the order is paid. */
  cancelByCustomer(now: Date): OrderChange {
    if (this.current.status === 'cancelled') {
      throw new OrderingError('order-already-cancelled', `order ${this.current.id} is already cancelled`);
    }
    if (!this.isOpen()) {
      throw new OrderingError(
        'order-not-cancellable',
        `order ${this.current.id} is ${this.current.status} and can no longer be cancelled`,
      );
    }
    return this.cancel('customer_cancelled', now);
  }

  /** Also a confirmed order: payments refunds on `OrderCancelled` with `previousStatus: confirmed`. */
  cancelByAdmin(now: Date): OrderChange {
    if (this.current.status === 'confirmed') return this.cancel('customer_cancelled', now);
    return this.cancelByCustomer(now);
  }

  /** Not yet paid, not cancelled: the saga may still go either way. */
  private isOpen(): boolean {
    return this.current.status === 'pending' || this.current.status === 'stock_reserved';
  }

  private cancel(reason: CancelReason, now: Date): OrderChange {
    const previousStatus = this.current.status;
    if (previousStatus === 'cancelled') throw new Error(`order ${this.current.id} is already cancelled`);
    this.move('cancelled', now, reason);
    return { kind: 'cancelled', reason, previousStatus };
  }

  private move(to: OrderStatus, now: Date, cancelReason: CancelReason | null = null): void {
    const from = this.current.status;
    if (!canTransition(from, to)) throw new Error(`order ${this.current.id}: ${from} -> ${to} is not a transition`);
    this.current = {
      ...this.current,
      status: to,
      cancelReason: to === 'cancelled' ? cancelReason : null,
      version: this.current.version + 1,
      updatedAt: now,
    };
  }
}

/** Everything `OrderPlaced` requires, checked first: otherwise the outbox would refuse the event with a 500. */
function assertWellFormed(customerId: string, lines: readonly RequestedLine[], paymentMethod: string): void {
  if (!UUID.test(customerId)) {
    throw new OrderingError('invalid-order', 'the customer id is not a UUID', [], 'customerId');
  }
  if (lines.length < 1 || lines.length > ORDER_LIMITS.maxLines) {
    throw new OrderingError('invalid-order', `an order has 1 to ${ORDER_LIMITS.maxLines} lines`);
  }
  const seen = new Set<string>();
  for (const { productId, quantity } of lines) {
    if (!UUID.test(productId)) throw new OrderingError('invalid-order', `product ${productId} is not a UUID`);
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > ORDER_LIMITS.maxQuantity) {
      throw new OrderingError('invalid-order', `quantity must be a whole number from 1 to ${ORDER_LIMITS.maxQuantity}`);
    }
    if (seen.has(productId)) {
      throw new OrderingError('invalid-order', `product ${productId} appears on two lines; order it once`);
    }
    seen.add(productId);
  }
  if (!PAYMENT_METHOD.test(paymentMethod)) {
    throw new OrderingError(
      'invalid-order',
      `paymentMethod must be 1 to ${ORDER_LIMITS.maxPaymentMethodLength} characters without control characters`,
      [],
      'paymentMethod',
    );
  }
}

/** A copy that can be announced as an order line: a SKU, and a price in whole minor units of a currency. */
function sellable(entry: ProductCopy): boolean {
  return (
    entry.sku.length > 0 &&
    entry.price !== null &&
    Number.isSafeInteger(entry.price.amount) &&
    entry.price.amount >= 0 &&
    CURRENCY.test(entry.price.currency)
  );
}
