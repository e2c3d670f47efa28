import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import { OrderIntentStore, type OrderIntent } from '../application/ports/order-intent-store';

type IntentRow = Omit<OrderIntent, 'amount'> & { amount: string; currency: string };

@Injectable()
export class PostgresOrderIntentStore implements OrderIntentStore {
  /** In one statement; `payment_method = ''` marks an intent only the cancellation created. */
  async recordPlaced(manager: EntityManager, intents: readonly Omit<OrderIntent, 'cancelled'>[]): Promise<void> {
    // One row per order: an upsert may not touch a row twice in one statement.
    const placed = [...new Map(intents.map((intent) => [intent.orderId, intent])).values()];
    await queryPrepared(
      manager,
      `INSERT INTO payments.order_intents (order_id, customer_id, amount, currency, payment_method)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[])
       ON CONFLICT (order_id) DO UPDATE SET payment_method = EXCLUDED.payment_method
         WHERE order_intents.payment_method = ''`,
      [
        placed.map((order) => order.orderId),
        placed.map((order) => order.customerId),
        placed.map((order) => order.amount.amount),
        placed.map((order) => order.amount.currency),
        placed.map((order) => order.paymentMethod),
      ],
    );
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

  async findMany(manager: EntityManager, orderIds: readonly string[]): Promise<Map<string, OrderIntent>> {
    const rows = await queryPrepared<IntentRow>(
      manager,
      `SELECT order_id AS "orderId", customer_id AS "customerId", amount, currency, payment_method AS "paymentMethod",
              cancelled
         FROM payments.order_intents WHERE order_id = ANY($1::uuid[])`,
      [orderIds],
    );
    return new Map(
      rows.map(({ amount, currency, ...row }) => [
        row.orderId,
        { ...row, amount: { amount: Number(amount), currency } },
      ]),
    );
  }
}
