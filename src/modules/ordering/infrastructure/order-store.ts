import type { EntityManager } from 'typeorm';
import { queryPrepared } from '#libs/sql';
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
  const $ = (value: unknown, type: string) => `$${params.push(value)}::${type}`;
  return `INSERT INTO orders (id, customer_id, status, cancel_reason, lines, total_amount, currency, payment_method,
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

/** The order, locked (FOR UPDATE) until the caller's transaction ends; undefined if there is none. */
export async function lockOrder(manager: EntityManager, orderId: string): Promise<OrderState | undefined> {
  const [row] = await queryPrepared<OrderRow>(
    manager,
    `SELECT id, customer_id, status, cancel_reason, lines, total_amount, currency, payment_method, version,
            created_at, updated_at
       FROM orders WHERE id = $1 FOR UPDATE`,
    [orderId],
  );
  return row
    ? {
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
      }
    : undefined;
}

/** Writes a transition (status, reason, version) of an order locked by `lockOrder`. */
export async function saveTransition(manager: EntityManager, order: OrderState): Promise<void> {
  await queryPrepared(
    manager,
    `UPDATE orders SET status = $2, cancel_reason = $3, version = $4, updated_at = $5 WHERE id = $1`,
    [order.id, order.status, order.cancelReason, order.version, order.updatedAt],
  );
}
