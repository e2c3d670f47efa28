import type { EntityManager } from 'typeorm';
import { queryPrepared, statementParameter } from '#libs/sql';
import type { OrderState } from '../domain/order';
import type { OrderRecord } from './order.record';

export function orderState(record: OrderRecord): OrderState {
  return {
    id: record.id,
    customerId: record.customerId,
    status: record.status,
    cancelReason: record.cancelReason,
    lines: record.lines,
    total: { amount: record.totalAmount, currency: record.currency },
    paymentMethod: record.paymentMethod,
    version: record.version,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/**
 * The INSERT of a new order, as the body of a data-modifying CTE in a caller's statement
 * (placing an order is one statement: see PlaceOrderHandler); its values are appended to
 * `params`. With `gate`, the order is inserted once per row of that CTE (zero or one).
 */
export function insertOrderSql(params: unknown[], order: OrderState, gate?: string): string {
  const $ = (value: unknown, type: string) => statementParameter(params, value, type);
  return `INSERT INTO ordering.orders (id, customer_id, status, cancel_reason, lines, total_amount, currency, payment_method,
                       version, created_at, updated_at)
    SELECT ${$(order.id, 'uuid')}, ${$(order.customerId, 'uuid')}, ${$(order.status, 'text')},
           ${$(order.cancelReason, 'text')}, ${$(JSON.stringify(order.lines), 'jsonb')}, ${$(order.total.amount, 'bigint')},
           ${$(order.total.currency, 'text')}, ${$(order.paymentMethod, 'text')}, ${$(order.version, 'int')},
           ${$(order.createdAt, 'timestamptz')}, ${$(order.updatedAt, 'timestamptz')}${gate ? ` FROM ${gate}` : ''}
    RETURNING id`;
}

interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderState['status'];
  cancel_reason: OrderState['cancelReason'];
  lines: OrderState['lines'];
  total_amount: string;
  currency: string;
  payment_method: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/**
 * The orders, locked (FOR UPDATE) until the caller's transaction ends, by id; an id with no
 * order is absent. Rows are locked in id order, so two transactions locking overlapping sets
 * queue instead of deadlocking.
 */
export async function lockOrders(
  manager: EntityManager,
  orderIds: readonly string[],
): Promise<Map<string, OrderState>> {
  const rows = await queryPrepared<OrderRow>(
    manager,
    `SELECT id, customer_id, status, cancel_reason, lines, total_amount, currency, payment_method, version,
            created_at, updated_at
       FROM ordering.orders WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    [[...new Set(orderIds)]],
  );
  return new Map(
    rows.map((row) => [
      row.id,
      {
        id: row.id,
        customerId: row.customer_id,
        status: row.status,
        cancelReason: row.cancel_reason,
        lines: row.lines,
        total: { amount: Number(row.total_amount), currency: row.currency },
        paymentMethod: row.payment_method,
        version: row.version,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      },
    ]),
  );
}

/** Writes the transitions (status, reason, version) of orders locked by `lockOrders`, in one statement. */
export async function saveTransitions(manager: EntityManager, orders: readonly OrderState[]): Promise<void> {
  if (orders.length === 0) return;
  await queryPrepared(
    manager,
    `UPDATE ordering.orders AS o
        SET status = t.status, cancel_reason = t.cancel_reason, version = t.version, updated_at = t.updated_at
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::timestamptz[])
         AS t(id, status, cancel_reason, version, updated_at)
      WHERE o.id = t.id`,
    [
      orders.map((order) => order.id),
      orders.map((order) => order.status),
      orders.map((order) => order.cancelReason),
      orders.map((order) => order.version),
      orders.map((order) => order.updatedAt),
    ],
  );
}

/**
 * Orders not settled yet (`pending`, `stock_reserved`, `paid`) placed more than
 * `deadlineSeconds` ago, oldest first, read without a lock (index `orders_unsettled_by_age`):
 * the candidates of the deadline sweeper, which locks and decides each again.
 */
export async function ordersPastDeadline(
  manager: EntityManager,
  deadlineSeconds: number,
  limit: number,
): Promise<string[]> {
  const rows = await queryPrepared<{ id: string }>(
    manager,
    `SELECT id FROM ordering.orders
      WHERE status IN ('pending', 'stock_reserved', 'paid') AND created_at <= now() - make_interval(secs => $1)
      ORDER BY created_at LIMIT $2`,
    [deadlineSeconds, limit],
  );
  return rows.map((row) => row.id);
}
