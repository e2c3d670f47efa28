import type { Money } from '../domain/money';
import type { CancelReason, OrderLine, OrderState, OrderStatus } from '../domain/order';

/** An order as the API shows it. `cancelReason` is present only on a cancelled order. */
export interface OrderView {
  readonly id: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly cancelReason?: CancelReason;
  readonly lines: readonly OrderLine[];
  readonly total: Money;
  readonly paymentMethod: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface OrderPage {
  readonly items: OrderView[];
  readonly next: string | null;
}

export function orderView(order: OrderState): OrderView {
  return {
    id: order.id,
    customerId: order.customerId,
    status: order.status,
    ...(order.cancelReason ? { cancelReason: order.cancelReason } : {}),
    lines: order.lines,
    total: order.total,
    paymentMethod: order.paymentMethod,
    version: order.version,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
