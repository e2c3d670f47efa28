import type { OrderState } from '../domain/order';

/** The order's lines as the contracts carry them (what inventory reserves, what payments charge). */
export function contractLines(
  order: OrderState,
): { productId: string; sku: string; quantity: number; unitPrice: { amount: number; currency: string } }[] {
  return order.lines.map((line) => ({
    productId: line.productId,
    sku: line.sku,
    quantity: line.quantity,
    unitPrice: { amount: line.unitPrice.amount, currency: line.unitPrice.currency },
  }));
}
