/** Units of one SKU an order asks for (or holds). */
export interface StockLine {
  readonly sku: string;
  readonly quantity: number;
}

/** A line that could not be served in full: how much was asked and how much was free. */
export interface ShortLine {
  readonly sku: string;
  readonly requested: number;
  readonly available: number;
}

export type ReservationDecision =
  | { readonly kind: 'reserved'; readonly lines: readonly StockLine[] }
  | { readonly kind: 'refused'; readonly shortLines: readonly ShortLine[] };

/**
 * One line per SKU, sorted by SKU: an order listing a SKU twice asks for the sum, and the
 * sorted order is the order stock rows are locked in (so concurrent orders never deadlock).
 */
export function mergeLines(lines: readonly StockLine[]): StockLine[] {
  const bySku = new Map<string, number>();
  for (const line of lines) {
    if (!Number.isSafeInteger(line.quantity) || line.quantity <= 0) {
      throw new RangeError(`quantity of ${line.sku} must be a positive whole number`);
    }
    bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.quantity);
  }
  return [...bySku].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
}

/** All or none: all lines reserved when every SKU has enough, else the short lines (an unknown SKU has 0). */
export function decideReservation(
  available: ReadonlyMap<string, number>,
  requested: readonly StockLine[],
): ReservationDecision {
  const lines = mergeLines(requested);
  if (lines.length === 0) throw new RangeError('a reservation needs at least one line');
  const shortLines = lines
    .map((line) => ({ sku: line.sku, requested: line.quantity, available: Math.max(0, available.get(line.sku) ?? 0) }))
    .filter((line) => line.available < line.requested);
  return shortLines.length > 0 ? { kind: 'refused', shortLines } : { kind: 'reserved', lines };
}

/**
 * Several orders decided in turn against the same stock, as if each were decided alone after
 * the one before: a reserved order's units are no longer available to the next.
 */
export function decideReservationsInTurn(
  available: ReadonlyMap<string, number>,
  orders: readonly (readonly StockLine[])[],
): ReservationDecision[] {
  const left = new Map(available);
  return orders.map((requested) => {
    const decision = decideReservation(left, requested);
    if (decision.kind === 'reserved') {
      for (const line of decision.lines) left.set(line.sku, (left.get(line.sku) ?? 0) - line.quantity);
    }
    return decision;
  });
}

/**
 * A confirmation after its reservation was released takes what is available: `taken` left
 * stock, `short` is what the order lacks (an oversell to resolve by hand).
 */
export function takeFromAvailable(
  available: ReadonlyMap<string, number>,
  wanted: readonly StockLine[],
): { readonly taken: StockLine[]; readonly short: ShortLine[] } {
  const taken: StockLine[] = [];
  const short: ShortLine[] = [];
  for (const line of mergeLines(wanted)) {
    const free = Math.max(0, available.get(line.sku) ?? 0);
    const quantity = Math.min(free, line.quantity);
    if (quantity > 0) taken.push({ sku: line.sku, quantity });
    if (quantity < line.quantity) short.push({ sku: line.sku, requested: line.quantity, available: free });
  }
  return { taken, short };
}
