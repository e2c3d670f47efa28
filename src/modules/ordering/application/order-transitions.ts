import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OrderCancelled, OrderConfirmed, type EventEnvelope } from '#libs/contracts';
import { Outbox } from '#libs/messaging';
import { Order, type OrderChange, type OrderState } from '../domain/order';
import { contractLines } from './contract-lines';
import { OrderStore } from './ports/order-store';

/** A step of one order: it decides from the order's current state; undefined is no change. */
export type OrderStep = (order: Order, now: Date) => OrderChange | undefined;

/** What a step found: the order as the step left it, and the change it made (if any). */
export interface AppliedStep {
  readonly order: OrderState;
  readonly change: OrderChange | undefined;
}

/** Every change locks the order in the caller's transaction, so concurrent events for one order serialise. */
@Injectable()
export class OrderTransitions {
  private readonly logger = new Logger('Ordering');

  constructor(
    private readonly outbox: Outbox,
    private readonly orders: OrderStore,
  ) {}

  /** Applies `step` to the locked order; undefined when there is no such order. */
  async apply(manager: EntityManager, orderId: string, step: OrderStep): Promise<AppliedStep | undefined> {
    const state = (await this.orders.lock(manager, [orderId])).get(orderId);
    if (!state) return undefined;
    const order = Order.restore(state);
    const change = step(order, new Date());
    if (change) {
      await this.orders.saveTransitions(manager, [order.state]);
      const announcement = this.announcement(order.state, change);
      if (announcement)
        await this.outbox.publish(manager, announcement.event, announcement.payload, announcement.aggregate);
    }
    return { order: order.state, change };
  }

  /**
   * `apply` set-wise for `handleMany` (docs/decisions/0007-set-wise-inbox-handlers.md); a later event of
   * an order sees the earlier one's effect. An unknown order is logged (`said`) and its entry undefined.
   */
  async applyToEvents<P extends { readonly orderId: string }>(
    manager: EntityManager,
    events: readonly EventEnvelope<P>[],
    step: OrderStep,
    said: (payload: P) => string,
  ): Promise<(AppliedStep | undefined)[]> {
    const states = await this.orders.lock(
      manager,
      events.map((event) => event.payload.orderId),
    );
    const orders = new Map<string, Order>();
    const changed = new Set<Order>();
    const announcements: Parameters<Outbox['publishEach']>[1][number][] = [];
    const now = new Date();
    const applied = events.map((event): AppliedStep | undefined => {
      const { orderId } = event.payload;
      const state = states.get(orderId);
      if (!state) {
        this.logger.warn(`${said(event.payload)} for unknown order ${orderId}; ignored`);
        return undefined;
      }
      const order = orders.get(orderId) ?? Order.restore(state);
      orders.set(orderId, order);
      const change = step(order, now);
      if (change) {
        changed.add(order);
        const announcement = this.announcement(order.state, change);
        if (announcement) announcements.push({ ...announcement, cause: event });
      }
      return { order: order.state, change };
    });
    await this.orders.saveTransitions(
      manager,
      [...changed].map((order) => order.state),
    );
    await this.outbox.publishEach(manager, announcements);
    return applied;
  }

  /** The event announcing a transition, from the order as it made it; none for `stock-reserved`. */
  private announcement(order: OrderState, change: OrderChange) {
    const aggregate = { aggregateId: order.id, aggregateVersion: order.version };
    switch (change.kind) {
      case 'stock-reserved':
        return undefined;
      case 'confirmed':
        return {
          event: OrderConfirmed,
          payload: {
            orderId: order.id,
            customerId: order.customerId,
            lines: contractLines(order),
            total: { ...order.total },
          },
          aggregate,
        };
      case 'cancelled':
        return {
          event: OrderCancelled,
          payload: {
            orderId: order.id,
            customerId: order.customerId,
            reason: change.reason,
            previousStatus: change.previousStatus,
            lines: contractLines(order),
            total: { ...order.total },
          },
          aggregate,
        };
    }
  }
}
