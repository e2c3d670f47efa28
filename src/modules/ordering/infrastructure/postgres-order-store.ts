import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ReadDataSource } from '#libs/database';
import { queryPrepared } from '#libs/sql';
import { OrderStore } from '../application/ports/order-store';
import type { OrderState } from '../domain/order';
import type { OrderCursor } from '../domain/order-cursor';
import { OrderRecord } from './order.record';

/** From an entity, or a row selected with the entity's property names (its bigint as text). */
function orderState(record: OrderRecord): OrderState {
  return {
    id: record.id,
    customerId: record.customerId,
    status: record.status,
    cancelReason: record.cancelReason,
    lines: record.lines,
    total: { amount: Number(record.totalAmount), currency: record.currency },
    paymentMethod: record.paymentMethod,
    version: record.version,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

@Injectable()
export class PostgresOrderStore implements OrderStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reads: ReadDataSource,
  ) {}

  async lock(manager: EntityManager, orderIds: readonly string[]): Promise<Map<string, OrderState>> {
    const rows = await queryPrepared<OrderRecord>(
      manager,
      `SELECT id, customer_id AS "customerId", status, cancel_reason AS "cancelReason", lines,
              total_amount AS "totalAmount", currency, payment_method AS "paymentMethod", version,
              created_at AS "createdAt", updated_at AS "updatedAt"
         FROM ordering.orders WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [[...new Set(orderIds)]],
    );
    return new Map(rows.map((row) => [row.id, orderState(row)]));
  }

  async saveTransitions(manager: EntityManager, orders: readonly OrderState[]): Promise<void> {
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

  /** Unsettled: `pending`, `stock_reserved`, `paid` (index `orders_unsettled_by_age`). */
  async pastDeadline(deadlineSeconds: number, limit: number): Promise<string[]> {
    const rows = await queryPrepared<{ id: string }>(
      this.dataSource,
      `SELECT id FROM ordering.orders
      WHERE status IN ('pending', 'stock_reserved', 'paid') AND created_at <= now() - make_interval(secs => $1)
      ORDER BY created_at LIMIT $2`,
      [deadlineSeconds, limit],
    );
    return rows.map((row) => row.id);
  }

  async find(orderId: string, atLeastLsn?: string): Promise<OrderState | undefined> {
    const { value: record } = await this.reads.query(
      (dataSource) => dataSource.getRepository(OrderRecord).findOneBy({ id: orderId }),
      atLeastLsn,
    );
    return record ? orderState(record) : undefined;
  }

  async listByCustomer(
    customerId: string,
    limit: number,
    cursor: OrderCursor | undefined,
    atLeastLsn?: string,
  ): Promise<OrderState[]> {
    const { value: records } = await this.reads.query((dataSource) => {
      const builder = dataSource
        .getRepository(OrderRecord)
        .createQueryBuilder('o')
        .where('o.customer_id = :customerId', { customerId })
        .orderBy('o.created_at', 'DESC')
        .addOrderBy('o.id', 'DESC')
        .limit(limit);
      if (cursor) {
        builder.andWhere('(o.created_at, o.id) < (:createdAt, :id)', { createdAt: cursor.createdAt, id: cursor.id });
      }
      return builder.getMany();
    }, atLeastLsn);
    return records.map(orderState);
  }
}
