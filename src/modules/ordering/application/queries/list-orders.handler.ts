import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { decodeOrderCursor, encodeOrderCursor } from '../../domain/order-cursor';
import { orderView, type OrderPage } from '../order-view';
import { OrderStore } from '../ports/order-store';

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
  constructor(private readonly orders: OrderStore) {}

  async execute(query: ListOrders): Promise<OrderPage> {
    const cursor = query.cursor ? decodeOrderCursor(query.cursor) : undefined;
    // One more than a page: whether another follows.
    const rows = await this.orders.listByCustomer(query.customerId, query.limit + 1, cursor, query.atLeastLsn);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(orderView),
      next: rows.length > query.limit && last ? encodeOrderCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }
}
