import type { DataSource } from 'typeorm';
import { OrderPlaced } from '#libs/contracts';
import { IdempotencyClaim } from '../../../../libs/http/idempotency/idempotency-keys';
import { Outbox } from '../../../../libs/messaging/events/outbox';
import type { OrderPlacement } from '../application/ports/order-placement-writer';
import { Order, type ProductCopy } from '../domain/order';
import { PostgresOrderPlacementWriter } from './postgres-order-placement-writer';

// Nest and the barrels that export Nest modules load as ESM only; the writer needs these parts alone.
jest.mock('@nestjs/common', () => ({
  Injectable: () => () => undefined,
  HttpException: Error,
  HttpStatus: {},
  Logger: Object,
}));
jest.mock('#libs/messaging', () => jest.requireActual('../../../../libs/messaging/events/outbox'));
jest.mock('#libs/observability', () => jest.requireActual('../../../../libs/observability/message-context'));
jest.mock('#libs/database', () => jest.requireActual('../../../../libs/database/after-commit'));

const LSN = '0/16B3748';

/** A primary that records each statement and answers it with `answer`'s row. */
function primary(answer: Record<string, unknown>) {
  const statements: string[] = [];
  const client = {
    query: ({ text }: { text: string }) => {
      if (text.startsWith('SELECT pg_current_wal_lsn()')) return Promise.resolve({ rows: [{ lsn: LSN }] });
      statements.push(text);
      return Promise.resolve({ rows: [answer] });
    },
  };
  const runner = { connect: () => Promise.resolve(client), release: () => Promise.resolve() };
  return { dataSource: { createQueryRunner: () => runner } as unknown as DataSource, statements };
}

const copy = (n: number): ProductCopy => ({
  productId: `00000000-0000-4000-8000-00000000000${n}`,
  sku: `SKU-${n}`,
  name: `product ${n}`,
  price: { amount: 100 * n, currency: 'EUR' },
  status: 'active',
  version: n,
});

function placement(key: string, copies: ProductCopy[], kept: boolean): OrderPlacement {
  const order = Order.place({
    id: `11111111-1111-4111-8111-11111111111${copies.length}`,
    customerId: '22222222-2222-4222-8222-222222222222',
    lines: copies.map((c) => ({ productId: c.productId, quantity: 1 })),
    paymentMethod: 'pm_card',
    catalog: new Map(copies.map((c) => [c.productId, c])),
    now: new Date('2026-03-01T10:00:00.000Z'),
  }).state;
  const claim = new IdempotencyClaim('customer', key, 'hash', { ttlHours: 24, abandonedAfterSeconds: 60 }, 'ordering');
  return {
    order,
    response: { claim, status: 201, body: { id: order.id } },
    ...(kept ? { pricedFromKept: copies } : {}),
  };
}

describe('PostgresOrderPlacementWriter', () => {
  let rings = 0;
  const outbox = new Outbox('ordering', 'ordering', [OrderPlaced], { ring: () => void rings++ });
  beforeEach(() => (rings = 0));

  it('writes one order as one statement and answers with the LSN after its commit', async () => {
    const { dataSource, statements } = primary({ r0: 1 });
    const writer = new PostgresOrderPlacementWriter(dataSource, outbox);

    const outcome = await writer.place(placement('k1', [copy(1)], false));

    expect(outcome).toEqual({
      kind: 'placed',
      response: {
        status: 201,
        body: '{"id":"11111111-1111-4111-8111-111111111111"}',
        replayed: false,
        consistencyToken: LSN,
      },
    });
    expect(rings).toBe(1);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchSnapshot();
  });

  it('writes placements that arrive together as one statement, and tells each its own outcome', async () => {
    const { dataSource, statements } = primary({ r0: 1, r1: -1, r2: 0 });
    const writer = new PostgresOrderPlacementWriter(dataSource, outbox);

    const outcomes = await Promise.all([
      writer.place(placement('k1', [copy(1)], true)),
      writer.place(placement('k2', [copy(1), copy(2)], true)),
      writer.place(placement('k3', [copy(3)], false)),
    ]);

    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['placed', 'copy_moved', 'key_taken']);
    expect(rings).toBe(1);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchSnapshot();
  });
});
