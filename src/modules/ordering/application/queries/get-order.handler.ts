import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadDataSource } from '#libs/database';
import { OrderingError } from '../../domain/ordering-errors';
import { OrderRecord } from '../../infrastructure/order.record';
import { orderState } from '../../infrastructure/order-store';
import type { Requester } from '../commands/cancel-order.handler';
import { orderView, type OrderView } from '../order-view';

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
  constructor(private readonly reads: ReadDataSource) {}

  async execute({ orderId, requester, atLeastLsn }: GetOrder): Promise<OrderView> {
    const { value: record } = await this.reads.query(
      (dataSource) => dataSource.getRepository(OrderRecord).findOneBy({ id: orderId }),
      atLeastLsn,
    );
    if (!record || (record.customerId !== requester.id && !requester.isAdmin)) {
      throw new OrderingError('order-not-found', `order ${orderId} does not exist`);
    }
    return orderView(orderState(record));
  }
}
