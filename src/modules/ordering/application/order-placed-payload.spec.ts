import { OrderPlaced } from '#libs/contracts';
import { Order, ORDER_LIMITS, type ProductCopy } from '../domain/order';
import { OrderingError } from '../domain/ordering-errors';
import { orderPlacedPayload } from './order-placed-payload';

const LAMP = '6f1c1c0e-1d1b-4c43-9b61-0c9b0a1f2a3b';
const CUSTOMER = '22222222-2222-4222-8222-222222222222';

function catalogOf(entries: ProductCopy[]): Map<string, ProductCopy> {
  return new Map(entries.map((entry) => [entry.productId, entry]));
}

const lamp: ProductCopy = {
  productId: LAMP,
  sku: 'LAMP-1',
  name: 'Lamp',
  price: { amount: 1999, currency: 'EUR' },
  status: 'active',
  version: 1,
};

function place(overrides: {
  customerId?: string;
  lines?: { productId: string; quantity: number }[];
  paymentMethod?: string;
  catalog?: Map<string, ProductCopy>;
}): Order {
  return Order.place({
    id: '11111111-1111-4111-8111-111111111111',
    customerId: overrides.customerId ?? CUSTOMER,
    lines: overrides.lines ?? [{ productId: LAMP, quantity: 1 }],
    paymentMethod: overrides.paymentMethod ?? 'pm_card_ok',
    catalog: overrides.catalog ?? catalogOf([lamp]),
    now: new Date('2026-03-01T10:00:00.000Z'),
  });
}

/** The refusal, as the API reports it (code and field), or the payload's verdict under the contract. */
function outcome(work: () => Order): string {
  try {
    const parsed = OrderPlaced.schema.safeParse(orderPlacedPayload(work().state));
    return parsed.success ? 'publishable' : `UNPUBLISHABLE: ${parsed.error.message}`;
  } catch (error) {
    if (error instanceof OrderingError) return `${error.code}${error.field ? ` (${error.field})` : ''}`;
    throw error;
  }
}

describe('an order the domain accepts can always be announced (OrderPlaced)', () => {
  const hundredLines = Array.from({ length: ORDER_LIMITS.maxLines }, (_, i) => ({
    productId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    quantity: ORDER_LIMITS.maxQuantity,
  }));
  const hundredProducts = catalogOf(
    hundredLines.map((line, i) => ({ ...lamp, productId: line.productId, sku: `S-${i}`, name: '\u202e名前 😀' })),
  );

  it.each<[string, Parameters<typeof place>[0]]>([
    ['the longest payment method', { paymentMethod: 'p'.repeat(ORDER_LIMITS.maxPaymentMethodLength) }],
    ['a payment method of 100 emoji (200 UTF-16 units)', { paymentMethod: '😀'.repeat(100) }],
    ['a one-character payment method', { paymentMethod: 'x' }],
    ['a payment method with spaces, quotes and format characters', { paymentMethod: ' "pm" \u200b\u202e\\ ' }],
    ['100 lines of 1000 units, odd product names', { lines: hundredLines, catalog: hundredProducts }],
    ['a customer id in capitals', { customerId: CUSTOMER.toUpperCase() }],
    ['a free product', { catalog: catalogOf([{ ...lamp, price: { amount: 0, currency: 'EUR' } }]) }],
  ])('%s: accepted and publishable', (_, input) => {
    expect(outcome(() => place(input))).toBe('publishable');
  });

  it.each<[string, Parameters<typeof place>[0], string]>([
    ['a payment method one character too long', { paymentMethod: 'p'.repeat(101) }, 'invalid-order (paymentMethod)'],
    ['an empty payment method', { paymentMethod: '' }, 'invalid-order (paymentMethod)'],
    ['a payment method with a NUL', { paymentMethod: 'pm\u0000' }, 'invalid-order (paymentMethod)'],
    ['a payment method with a newline', { paymentMethod: 'pm\n' }, 'invalid-order (paymentMethod)'],
    ['a payment method with a lone surrogate', { paymentMethod: 'pm\ud800' }, 'invalid-order (paymentMethod)'],
    [
      'a customer id that is no RFC UUID',
      { customerId: '00000000-0000-0000-0000-000000000001' },
      'invalid-order (customerId)',
    ],
    ['a customer id that is no UUID', { customerId: 'admin' }, 'invalid-order (customerId)'],
    [
      'a product id that is no RFC UUID',
      { lines: [{ productId: '00000000-0000-0000-0000-000000000001', quantity: 1 }] },
      'invalid-order (lines)',
    ],
    ['a quantity of 1e12', { lines: [{ productId: LAMP, quantity: 1e12 }] }, 'invalid-order (lines)'],
    ['101 lines', { lines: [...hundredLines, { productId: LAMP, quantity: 1 }] }, 'invalid-order (lines)'],
    ['a product copy without a SKU', { catalog: catalogOf([{ ...lamp, sku: '' }]) }, 'products-unavailable (lines)'],
    [
      'a product copy priced beyond 2^53',
      { catalog: catalogOf([{ ...lamp, price: { amount: 2 ** 60, currency: 'EUR' } }]) },
      'products-unavailable (lines)',
    ],
    [
      'a product copy in no currency',
      { catalog: catalogOf([{ ...lamp, price: { amount: 1, currency: 'euro' } }]) },
      'products-unavailable (lines)',
    ],
  ])('%s: refused before anything is written', (_, input, refusal) => {
    expect(outcome(() => place(input))).toBe(refusal);
  });
});
