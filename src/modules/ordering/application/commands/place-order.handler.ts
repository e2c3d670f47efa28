import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { OrderPlaced } from '#libs/contracts';
import { queryPrepared } from '#libs/sql';
import type { IdempotencyClaim } from '#libs/http';
import { Outbox } from '#libs/messaging';
import { Order, type RequestedLine } from '../../domain/order';
import { insertOrderSql } from '../../infrastructure/order-store';
import { catalogEntries } from '../../infrastructure/product-projection';
import { orderView, type OrderView } from '../order-view';
import { contractLines } from '../order-transitions';

export class PlaceOrder extends Command<OrderView> {
  constructor(
    readonly customerId: string,
    readonly lines: readonly RequestedLine[],
    readonly paymentMethod: string,
    /**
     * The request's idempotency key, and the status its response will have: the response is
     * recorded in the very statement that writes the order, so the order never exists
     * without it.
     */
    readonly idempotency?: { readonly claim: IdempotencyClaim; readonly status: number },
  ) {
    super();
  }
}

/**
 * Places an order at the prices of ordering's own product copy, in two round trips: one read
 * of the products, then ONE statement (its own transaction) that claims the idempotency key
 * with the response (`IdempotencyKeys.execute`), inserts the order and its
 * `OrderPlaced` event, and wakes the relays. The order and the event are written only if the
 * key is this request's.
 */
@CommandHandler(PlaceOrder)
export class PlaceOrderHandler implements ICommandHandler<PlaceOrder> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  async execute(command: PlaceOrder): Promise<OrderView> {
    // UUIDs compare case-insensitively; the projection keeps them lower-case.
    const lines = command.lines.map((line) => ({ productId: line.productId.toLowerCase(), quantity: line.quantity }));
    const catalog = await catalogEntries(
      this.dataSource,
      lines.map((line) => line.productId),
    );
    const order = Order.place({
      id: randomUUID(),
      customerId: command.customerId,
      lines,
      paymentMethod: command.paymentMethod,
      catalog,
      now: new Date(),
    }).state;
    const view = orderView(order);

    const params: unknown[] = [];
    const recording = command.idempotency?.claim.recordWithin(params, command.idempotency.status, view);
    const placed = insertOrderSql(params, order, recording ? 'recorded' : undefined);
    const announced = this.outbox.prepare(
      OrderPlaced,
      {
        orderId: order.id,
        customerId: order.customerId,
        lines: contractLines(order),
        total: { ...order.total },
        paymentMethod: order.paymentMethod,
      },
      { aggregateId: order.id, aggregateVersion: order.version },
      params,
      'placed',
    );
    const written = await queryPrepared(
      this.dataSource,
      `WITH ${recording ? `recorded AS (${recording.sql}), ` : ''}
            placed AS (${placed}),
            announced AS (${announced.insert})
       SELECT ${announced.notify} FROM placed`,
      params,
    );
    recording?.confirm(written.length === 1);
    return view;
  }
}
