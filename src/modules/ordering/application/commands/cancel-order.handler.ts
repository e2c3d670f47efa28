import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { OrderingError } from '../../domain/ordering-errors';
import { orderView, type OrderView } from '../order-view';
import { OrderTransitions } from '../order-transitions';

export interface Requester {
  readonly id: string;
  readonly isAdmin: boolean;
}

export class CancelOrder extends Command<OrderView> {
  constructor(
    readonly orderId: string,
    readonly requester: Requester,
  ) {
    super();
  }
}

/**
 * The owner cancels an order that is not paid yet (an admin also a confirmed one):
 * `customer_cancelled`, and `OrderCancelled` tells inventory to release its stock and
 * payments to refund what was charged. Someone else's order is "not found".
 */
@CommandHandler(CancelOrder)
export class CancelOrderHandler implements ICommandHandler<CancelOrder> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transitions: OrderTransitions,
  ) {}

  async execute({ orderId, requester }: CancelOrder): Promise<OrderView> {
    const notFound = () => new OrderingError('order-not-found', `order ${orderId} does not exist`);
    const applied = await this.dataSource.transaction((manager) =>
      this.transitions.apply(manager, orderId, (order, now) => {
        if (order.state.customerId !== requester.id && !requester.isAdmin) throw notFound();
        return requester.isAdmin ? order.cancelByAdmin(now) : order.cancelByCustomer(now);
      }),
    );
    if (!applied) throw notFound();
    return orderView(applied.order);
  }
}
