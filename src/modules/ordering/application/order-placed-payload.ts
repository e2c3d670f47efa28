import type { OrderPlaced, PayloadOf } from '#libs/contracts';
import type { OrderState } from '../domain/order';
import { contractLines } from './contract-lines';

/** What `OrderPlaced` announces of a new order. `Order.place` accepts only orders whose payload fits the contract. */
export function orderPlacedPayload(order: OrderState): PayloadOf<typeof OrderPlaced> {
  return {
    orderId: order.id,
    customerId: order.customerId,
    lines: contractLines(order),
    total: { ...order.total },
    paymentMethod: order.paymentMethod,
  };
}
