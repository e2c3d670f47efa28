import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { IdempotencyClaim, IdempotentOutcome } from '#libs/http';
import { Order, type OrderState, type ProductCopy, type RequestedLine } from '../../domain/order';
import { OrderingError } from '../../domain/ordering-errors';
import { OrderAdmission } from '../order-admission';
import { productCopyPricings } from '../ordering-metrics';
import { orderView } from '../order-view';
import { OrderPlacementWriter, type PlacementOutcome } from '../ports/order-placement-writer';
import { ProductCopyStore } from '../ports/product-copy-store';

export class PlaceOrder extends Command<IdempotentOutcome> {
  constructor(
    readonly customerId: string,
    readonly lines: readonly RequestedLine[],
    readonly paymentMethod: string,
    /** The request's idempotency key, and the status of the response recorded with the order. */
    readonly idempotency: { readonly claim: IdempotencyClaim; readonly status: number },
  ) {
    super();
  }
}

/**
 * Places an order at the prices of ordering's own product copies, written in one statement
 * with its event and its idempotency key (`OrderPlacementWriter`). The copies this process
 * kept are tried first, unread; if one has moved (or the order is refused) the copies are read
 * and the order priced again (docs/decisions/0010-cache-hit-fast-path.md). First of all, the
 * saga must have room for it (`OrderAdmission`, docs/decisions/0038).
 */
@CommandHandler(PlaceOrder)
export class PlaceOrderHandler implements ICommandHandler<PlaceOrder> {
  constructor(
    private readonly copies: ProductCopyStore,
    private readonly writer: OrderPlacementWriter,
    private readonly admission: OrderAdmission,
  ) {}

  async execute(command: PlaceOrder): Promise<IdempotentOutcome> {
    await this.admission.admit();
    // UUIDs compare case-insensitively; the copies keep them lower-case.
    const lines = command.lines.map((line) => ({ productId: line.productId.toLowerCase(), quantity: line.quantity }));
    const productIds = lines.map((line) => line.productId);
    const kept = this.copies.kept(productIds);
    // A refusal (mixed currencies, say) is recorded against the key: decide it on a fresh read.
    const fromKept = kept && refusedAsUndefined(() => price(command, lines, kept));
    if (fromKept) {
      const outcome = await this.writer.place(this.placement(command, fromKept, [...kept.values()]));
      if (outcome.kind !== 'copy_moved') {
        productCopyPricings.inc({ outcome: 'cached' });
        return answer(outcome);
      }
      this.copies.forget(productIds);
    }
    productCopyPricings.inc({ outcome: fromKept ? 'moved' : 'read' });
    const read = await this.copies.read(productIds);
    return answer(await this.writer.place(this.placement(command, price(command, lines, read))));
  }

  private placement(command: PlaceOrder, order: OrderState, pricedFromKept?: readonly ProductCopy[]) {
    const { claim, status } = command.idempotency;
    const response = { claim, status, body: orderView(order) };
    return { order, response, ...(pricedFromKept ? { pricedFromKept } : {}) };
  }
}

function price(command: PlaceOrder, lines: readonly RequestedLine[], catalog: ReadonlyMap<string, ProductCopy>) {
  const { customerId, paymentMethod } = command;
  return Order.place({ id: randomUUID(), customerId, lines, paymentMethod, catalog, now: new Date() }).state;
}

function refusedAsUndefined<T>(work: () => T): T | undefined {
  try {
    return work();
  } catch (error) {
    if (error instanceof OrderingError) return undefined;
    throw error;
  }
}

function answer(outcome: PlacementOutcome): IdempotentOutcome {
  if (outcome.kind === 'placed') return { kind: 'recorded', response: outcome.response };
  if (outcome.kind === 'key_taken') return outcome;
  throw new Error('copies just read found moved: only kept copies are checked');
}
