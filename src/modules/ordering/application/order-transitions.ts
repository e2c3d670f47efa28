import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OrderCancelled, OrderConfirmed } from '#libs/contracts';
import { Outbox } from '#libs/messaging';
import { Order, type OrderChange, type OrderState } from '../domain/order';
import { lockOrder, saveTransition } from '../infrastructure/order-store';

/** The order's lines as the contracts carry them (what inventory reserves, what payments charge). */
export function contractLines(
  order: OrderState,
): { productId: string; sku: string; quantity: number; unitPrice: { amount: number; currency: string } }[] {
  return order.lines.map((line) => ({
    productId: line.productId,
    sku: line.sku,
    quantity: line.quantity,
    unitPrice: { amount: line.unitPrice.amount, currency: line.unitPrice.currency },
  }));
}

/**
 * How every change of an existing order is made, by a saga step or a customer: in the
 * caller's transaction, the order row is locked (FOR UPDATE), the step decides from its
 * current state, and a transition is saved together with the event announcing it.
 * Concurrent events for one order therefore apply one after the other, each seeing the
 * other's effect.
 */
@Injectable()
export class OrderTransitions {
  constructor(private readonly outbox: Outbox) {}

  /** Applies `step` to the locked order; undefined when there is no such order. */
  async apply(
    manager: EntityManager,
    orderId: string,
    step: (order: Order, now: Date) => OrderChange | undefined,
  ): Promise<{ order: Order; change: OrderChange | undefined } | undefined> {
    const state = await lockOrder(manager, orderId);
    if (!state) return undefined;
    const order = Order.restore(state);
    const change = step(order, new Date());
    if (change) {
      await saveTransition(manager, order.state);
      await this.announce(manager, order.state, change);
    }
    return { order, change };
  }

  private async announce(manager: EntityManager, order: OrderState, change: OrderChange): Promise<void> {
    const aggregate = { aggregateId: order.id, aggregateVersion: order.version };
    switch (change.kind) {
      case 'stock-reserved':
        return;
      case 'confirmed':
        await this.outbox.publish(
          manager,
          OrderConfirmed,
          { orderId: order.id, customerId: order.customerId, lines: contractLines(order), total: { ...order.total } },
          aggregate,
        );
        return;
      case 'cancelled':
        await this.outbox.publish(
          manager,
          OrderCancelled,
          {
            orderId: order.id,
            customerId: order.customerId,
            reason: change.reason,
            previousStatus: change.previousStatus,
            lines: contractLines(order),
            total: { ...order.total },
          },
          aggregate,
        );
        return;
    }
  }
}
