import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import { OrderBacklogReader } from '../application/ports/order-backlog-reader';
import type { OrderBacklog } from '../domain/order-backlog';

/**
 * Both figures from the partial index of unsettled orders (`orders_unsettled_by_age`, which
 * holds only the orders in the saga): the count stops at `countUpTo` entries, the oldest is
 * the index's first entry, so a reading costs the same however many orders were ever placed.
 */
@Injectable()
export class PostgresOrderBacklogReader implements OrderBacklogReader {
  constructor(private readonly dataSource: DataSource) {}

  async read(countUpTo: number): Promise<OrderBacklog> {
    const [row] = await queryPrepared<{ orders: number; age: number }>(
      this.dataSource,
      `SELECT (SELECT count(*)::int FROM (SELECT 1 FROM ordering.orders
                 WHERE status IN ('pending', 'stock_reserved', 'paid') LIMIT $1) AS unsettled) AS orders,
              coalesce((SELECT extract(epoch FROM clock_timestamp() - min(created_at))::float8 FROM ordering.orders
                 WHERE status IN ('pending', 'stock_reserved', 'paid')), 0) AS age`,
      [countUpTo],
    );
    return { orders: row!.orders, oldestAgeSeconds: Math.max(0, row!.age) };
  }
}
