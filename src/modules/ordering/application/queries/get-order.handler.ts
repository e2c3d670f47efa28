import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { OrderingError } from '../../domain/ordering-errors';
import type { Requester } from '../commands/cancel-order.handler';
import { orderView, type OrderView } from '../order-view';
import { OrderStore } from '../ports/order-store';

export class GetOrder extends Query<OrderView> {
  constructor(
    readonly orderId: string,
    readonly requester: Requester,
    /** The caller's consistency token: the answer is at least that fresh. */
    readonly atLeastLsn?: string,
  ) {
    super();
  }
}

/** One order, for its owner or an admin; to anyone else it does not exist (404, not 403). */
@QueryHandler(GetOrder)
export class GetOrderHandler implements IQueryHandler<GetOrder> {
  constructor(private readonly orders: OrderStore) {}

  async execute({ orderId, requester, atLeastLsn }: GetOrder): Promise<OrderView> {
    const order = await this.orders.find(orderId, atLeastLsn);
    if (!order || (order.customerId !== requester.id && !requester.isAdmin)) {
      throw new OrderingError('order-not-found', `order ${orderId} does not exist`);
    }
    return orderView(order);
  }
}
