import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OrderPlaced } from '#libs/contracts';
import { Outbox, OUTBOX_COLUMNS, OUTBOX_TYPES } from '#libs/messaging';
import { GroupCommit, statementParameter, type GroupedWrite } from '#libs/sql';
import { orderPlacedPayload } from '../application/order-placed-payload';
import {
  OrderPlacementWriter,
  type OrderPlacement,
  type PlacementOutcome,
} from '../application/ports/order-placement-writer';
import type { OrderState, ProductCopy } from '../domain/order';

/** The statement's answer for a placement whose kept copies have moved. */
const COPY_MOVED = -1;

/**
 * Writes each placement as ONE statement, its own transaction: when priced from kept copies,
 * a check that none has moved; the claim of the idempotency key with the response; the order;
 * its `OrderPlaced` outbox row. Each write is gated on the one before, so all happen or none.
 * Placements that arrive together share the statement (docs/decisions/0008-group-commit.md),
 * and the LSN read right behind it becomes the response's consistency token.
 */
@Injectable()
export class PostgresOrderPlacementWriter implements OrderPlacementWriter {
  private readonly placements: GroupCommit;

  constructor(
    dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {
    this.placements = new GroupCommit(dataSource, { name: 'place_order', statements: 1, maxWrites: 16 });
  }

  async place(placement: OrderPlacement): Promise<PlacementOutcome> {
    const { order, response, pricedFromKept } = placement;
    const event = this.outbox.row(OrderPlaced, orderPlacedPayload(order), {
      aggregateId: order.id,
      aggregateVersion: order.version,
    });
    let recording: ReturnType<typeof response.claim.recordWithin> | undefined;
    const write: GroupedWrite = {
      key: `${response.claim.scope} ${response.claim.key}`,
      build: (params, suffix) => {
        const unchanged = pricedFromKept && `unchanged${suffix}`;
        recording = response.claim.recordWithin(params, response.status, response.body, unchanged);
        const placed = `(SELECT count(*)::int FROM placed${suffix})`;
        return {
          ctes: [
            ...(unchanged ? [`${unchanged} AS (${copiesUnchangedSql(params, pricedFromKept)})`] : []),
            `recorded${suffix} AS (${recording.sql})`,
            `placed${suffix} AS (${insertOrderSql(params, order, `recorded${suffix}`)})`,
            `announced${suffix} AS (${insertEventSql(params, event, `placed${suffix}`)})`,
          ],
          result: unchanged
            ? `CASE WHEN EXISTS (SELECT 1 FROM ${unchanged}) THEN ${placed} ELSE ${COPY_MOVED} END`
            : placed,
        };
      },
    };
    const { result, lsn } = await this.placements.commit<number>(write);
    if (result === COPY_MOVED) return { kind: 'copy_moved' };
    if (result !== 1 || !recording) return { kind: 'key_taken' };
    this.outbox.committed();
    return { kind: 'placed', response: recording.recorded(lsn) };
  }
}

/** The INSERT of a new order, once per row of the CTE `gate` (zero or one). */
function insertOrderSql(params: unknown[], order: OrderState, gate: string): string {
  const $ = (value: unknown, type: string) => statementParameter(params, value, type);
  return `INSERT INTO ordering.orders (id, customer_id, status, cancel_reason, lines, total_amount, currency, payment_method,
                       version, created_at, updated_at)
    SELECT ${$(order.id, 'uuid')}, ${$(order.customerId, 'uuid')}, ${$(order.status, 'text')},
           ${$(order.cancelReason, 'text')}, ${$(JSON.stringify(order.lines), 'jsonb')}, ${$(order.total.amount, 'bigint')},
           ${$(order.total.currency, 'text')}, ${$(order.paymentMethod, 'text')}, ${$(order.version, 'int')},
           ${$(order.createdAt, 'timestamptz')}, ${$(order.updatedAt, 'timestamptz')} FROM ${gate}
    RETURNING id`;
}

/** The INSERT of the order's event into the outbox, once per row of the CTE `gate`. */
function insertEventSql(params: unknown[], row: readonly unknown[], gate: string): string {
  const values = OUTBOX_TYPES.map((type, i) => statementParameter(params, row[i], type));
  return `INSERT INTO ordering.outbox (${OUTBOX_COLUMNS.join(', ')}) SELECT ${values.join(', ')} FROM ${gate}`;
}

/** One row if each copy is still at its version, none if one has moved (or gone). */
function copiesUnchangedSql(params: unknown[], copies: readonly ProductCopy[]): string {
  const $ = (value: unknown, type: string) => statementParameter(params, value, type);
  const [only] = copies;
  if (only && copies.length === 1)
    return `SELECT 1 FROM ordering.products WHERE product_id = ${$(only.productId, 'uuid')} AND version = ${$(only.version, 'int')}`;
  return `SELECT 1 FROM ordering.products
      JOIN unnest(${$(
        copies.map((c) => c.productId),
        'uuid[]',
      )}, ${$(
        copies.map((c) => c.version),
        'int[]',
      )}) AS priced(product_id, version) USING (product_id, version)
    HAVING count(*) = ${$(copies.length, 'int')}`;
}
