import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import { OrderIntentStore, type OrderIntent, type PlacedOrder } from '../application/ports/order-intent-store';

type IntentRow = Omit<OrderIntent, 'amount'> & { amount: string; currency: string };

const INTENT_COLUMNS = `order_id AS "orderId", customer_id AS "customerId", amount, currency,
  payment_method AS "paymentMethod", cancelled`;

/**
 * `payment_method = ''` marks an intent an event that overtook OrderPlaced created: the
 * cancellation (which knows the customer and the total), or the reservation (which does not:
 * a nil customer and a zero amount until OrderPlaced fills them in).
 */
@Injectable()
export class PostgresOrderIntentStore implements OrderIntentStore {
  async recordPlaced(manager: EntityManager, orders: readonly PlacedOrder[]): Promise<OrderIntent[]> {
    // One row per order (an upsert may not touch a row twice in one statement), in the order
    // recordStockReserved takes them too: two transactions upserting the same orders cannot deadlock.
    const placed = [...new Map(orders.map((order) => [order.orderId, order])).values()].sort(byOrderId);
    const rows = await queryPrepared<IntentRow>(
      manager,
      `WITH recorded AS (
         INSERT INTO payments.order_intents (order_id, customer_id, amount, currency, payment_method)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[])
         ON CONFLICT (order_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, amount = EXCLUDED.amount,
           currency = EXCLUDED.currency, payment_method = EXCLUDED.payment_method
           WHERE order_intents.payment_method = ''
         RETURNING *)
       SELECT ${INTENT_COLUMNS} FROM recorded WHERE stock_reserved AND NOT cancelled`,
      [
        placed.map((order) => order.orderId),
        placed.map((order) => order.customerId),
        placed.map((order) => order.amount.amount),
        placed.map((order) => order.amount.currency),
        placed.map((order) => order.paymentMethod),
      ],
    );
    return rows.map(intentOf);
  }

  async recordStockReserved(manager: EntityManager, orderIds: readonly string[]): Promise<OrderIntent[]> {
    // The upsert waits for a concurrent OrderPlaced's insert of the same order to end: then one of
    // the two transactions sees the other's row, and exactly one starts the payment. Sorted, as
    // recordPlaced's: two transactions upserting the same orders cannot deadlock.
    const rows = await queryPrepared<IntentRow>(
      manager,
      `WITH recorded AS (
         INSERT INTO payments.order_intents (order_id, customer_id, amount, currency, payment_method, stock_reserved)
         SELECT id, '00000000-0000-0000-0000-000000000000', 0, '', '', true FROM unnest($1::uuid[]) AS id
         ON CONFLICT (order_id) DO UPDATE SET stock_reserved = true
         RETURNING *)
       SELECT ${INTENT_COLUMNS} FROM recorded WHERE payment_method <> '' AND NOT cancelled`,
      [[...new Set(orderIds)].sort()],
    );
    return rows.map(intentOf);
  }

  async recordCancelled(
    manager: EntityManager,
    { orderId, customerId, amount }: Omit<OrderIntent, 'paymentMethod' | 'cancelled'>,
  ): Promise<void> {
    await queryPrepared(
      manager,
      `INSERT INTO payments.order_intents (order_id, customer_id, amount, currency, payment_method, cancelled)
       VALUES ($1, $2, $3, $4, '', true)
       ON CONFLICT (order_id) DO UPDATE SET cancelled = true`,
      [orderId, customerId, amount.amount, amount.currency],
    );
  }
}

function byOrderId(a: PlacedOrder, b: PlacedOrder): number {
  return a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0;
}

function intentOf({ amount, currency, ...row }: IntentRow): OrderIntent {
  return { ...row, amount: { amount: Number(amount), currency } };
}
