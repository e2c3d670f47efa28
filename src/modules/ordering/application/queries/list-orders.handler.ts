import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadDataSource } from '#libs/database';
import { decodeOrderCursor, encodeOrderCursor } from '../../domain/order-cursor';
import { OrderRecord } from '../../infrastructure/order.record';
import { orderState } from '../../infrastructure/order-store';
import { orderView, type OrderPage } from '../order-view';

export class ListOrders extends Query<OrderPage> {
  constructor(
    readonly customerId: string,
    readonly limit: number,
    readonly cursor: string | undefined,
    readonly atLeastLsn?: string,
  ) {
    super();
  }
}

/**
 * A customer's orders, newest first, in keyset pages (creation time, then id): orders placed
 * during a walk never shift it, and each order appears exactly once.
 */
@QueryHandler(ListOrders)
export class ListOrdersHandler implements IQueryHandler<ListOrders> {
  constructor(private readonly reads: ReadDataSource) {}

  async execute(query: ListOrders): Promise<OrderPage> {
    const cursor = query.cursor ? decodeOrderCursor(query.cursor) : undefined;
    const { value: rows } = await this.reads.query((dataSource) => {
      const builder = dataSource
        .getRepository(OrderRecord)
        .createQueryBuilder('o')
        .where('o.customer_id = :customerId', { customerId: query.customerId })
        .orderBy('o.created_at', 'DESC')
        .addOrderBy('o.id', 'DESC')
        .limit(query.limit + 1);
      if (cursor) {
        builder.andWhere('(o.created_at, o.id) < (:createdAt, :id)', { createdAt: cursor.createdAt, id: cursor.id });
      }
      return builder.getMany();
    }, query.atLeastLsn);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((record) => orderView(orderState(record))),
      next: rows.length > query.limit && last ? encodeOrderCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }
}
