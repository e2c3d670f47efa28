import { availableOf, type StockLevel } from '../domain/stock-level';

/** One SKU's stock as the API shows it. */
export interface StockView {
  readonly sku: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly available: number;
}

export function stockView(level: StockLevel): StockView {
  return { sku: level.sku, onHand: level.onHand, reserved: level.reserved, available: availableOf(level) };
}
