import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { OrderPlaced } from '#libs/contracts';
import { GroupCommit, GroupedLookup } from '#libs/sql';
import type { IdempotencyClaim } from '#libs/http';
import { Outbox } from '#libs/messaging';
import { Order, type RequestedLine } from '../../domain/order';
import { OrderingError } from '../../domain/ordering-errors';
import { insertOrderSql } from '../../infrastructure/order-store';
import { productCopyPricings } from '../../infrastructure/ordering-metrics';
import { ProductCopyCache } from '../../infrastructure/product-copy-cache';
import { catalogEntries, productCopiesUnchangedSql, type ProductCopy } from '../../infrastructure/product-projection';
import { orderView, type OrderView } from '../order-view';
import { orderPlacedPayload } from '../order-placed-payload';

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

/** Product copies kept per process: a few MB, far more products than a sale's hot set. */
const KEPT_PRODUCT_COPIES = 10_000;

/**
 * Places an order at the prices of ordering's own product copy in ONE statement (its own
 * transaction) that claims the idempotency key with the response (`IdempotencyKeys.execute`)
 * and inserts the order and its `OrderPlaced` event; once it has committed, the relays are
 * woken. The order and the event are written only if the key is this request's, and the
 * response carries the WAL position read right behind the statement as its consistency token.
 * Under load that statement carries other orders placed at the same time (`GroupCommit`): one
 * commit for all of them.
 *
 * The copies come from this process's `ProductCopyCache` when it has them all, and the
 * statement writes only if each is still at the version priced from; otherwise (or if one had
 * moved) from a read, which orders placed at the same time share (`GroupedLookup`).
 */
@CommandHandler(PlaceOrder)
export class PlaceOrderHandler implements ICommandHandler<PlaceOrder> {
  private readonly products: GroupedLookup<string, ProductCopy>;
  private readonly placements: GroupCommit;
  private readonly copies = new ProductCopyCache(KEPT_PRODUCT_COPIES);

  constructor(
    dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {
    // One query and one statement in flight per process: what arrives meanwhile waits for it and
    // goes out as one: with 10 clients about 1.3x the orders/s of two in flight, and 1.7x of
    // nothing grouped (bench/README.md, "Orders").
    this.products = new GroupedLookup((ids) => catalogEntries(dataSource, ids), {
      name: 'order_products',
      statements: 1,
      maxKeys: 200,
    });
    this.placements = new GroupCommit(dataSource, { name: 'place_order', statements: 1, maxWrites: 16 });
  }

  async execute(command: PlaceOrder): Promise<OrderView> {
    // UUIDs compare case-insensitively; the projection keeps them lower-case.
    const lines = command.lines.map((line) => ({ productId: line.productId.toLowerCase(), quantity: line.quantity }));
    const productIds = lines.map((line) => line.productId);
    const kept = this.copies.all(productIds);
    if (kept) {
      const placed = await this.place(command, lines, kept, true).catch((error: unknown) => {
        // A refusal (mixed currencies, say) is recorded against the key: decide it on a fresh read.
        if (error instanceof OrderingError) return 'refused' as const;
        throw error;
      });
      if (placed && placed !== 'refused') {
        productCopyPricings.inc({ outcome: 'cached' });
        return placed;
      }
      // A product changed since this process priced from it: nothing was written.
      if (!placed) this.copies.forget(productIds);
      productCopyPricings.inc({ outcome: placed ? 'read' : 'moved' });
    } else productCopyPricings.inc({ outcome: 'read' });
    const read = await this.products.lookup(productIds);
    this.copies.remember(read.values());
    return (await this.place(command, lines, read, false))!;
  }

  /** The order placed, or undefined when `guarded` and a copy priced from has moved. */
  private async place(
    command: PlaceOrder,
    lines: readonly RequestedLine[],
    catalog: ReadonlyMap<string, ProductCopy>,
    guarded: boolean,
  ): Promise<OrderView | undefined> {
    const order = Order.place({
      id: randomUUID(),
      customerId: command.customerId,
      lines,
      paymentMethod: command.paymentMethod,
      catalog,
      now: new Date(),
    }).state;
    const view = orderView(order);
    const announcement = this.outbox.prepare(OrderPlaced, orderPlacedPayload(order), {
      aggregateId: order.id,
      aggregateVersion: order.version,
    });

    const idempotency = command.idempotency;
    let recording: ReturnType<IdempotencyClaim['recordWithin']> | undefined;
    const { result: placed, walPosition } = await this.placements.commit<number>({
      ...(idempotency ? { key: `${idempotency.claim.scope} ${idempotency.claim.key}` } : {}),
      build: (params, suffix) => {
        const unchanged = guarded ? `unchanged${suffix}` : undefined;
        recording = idempotency?.claim.recordWithin(params, idempotency.status, view, unchanged);
        const guard = unchanged
          ? [`${unchanged} AS (${productCopiesUnchangedSql(params, [...catalog.values()])})`]
          : [];
        const insert = insertOrderSql(params, order, recording ? `recorded${suffix}` : unchanged);
        const announced = announcement.sql(params, `placed${suffix}`);
        const count = `(SELECT count(*)::int FROM placed${suffix})`;
        return {
          ctes: [
            ...guard,
            ...(recording ? [`recorded${suffix} AS (${recording.sql})`] : []),
            `placed${suffix} AS (${insert})`,
            `announced${suffix} AS (${announced.insert})`,
          ],
          // -1: a copy has moved, so neither the key nor the order was written.
          result: unchanged ? `CASE WHEN EXISTS (SELECT 1 FROM ${unchanged}) THEN ${count} ELSE -1 END` : count,
        };
      },
    });
    if (placed === -1) return undefined;
    recording?.confirm(placed === 1, walPosition);
    if (placed === 1) this.outbox.committed();
    return view;
  }
}
