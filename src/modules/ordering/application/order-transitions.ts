import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OrderCancelled, OrderConfirmed, type EventEnvelope } from '#libs/contracts';
import { Outbox } from '#libs/messaging';
import { Order, type OrderChange, type OrderState } from '../domain/order';
import { lockOrders, saveTransitions } from '../infrastructure/order-store';
import { contractLines } from './contract-lines';

/** A step of one order: it decides from the order's current state; undefined is no change. */
export type OrderStep = (order: Order, now: Date) => OrderChange | undefined;

/** What a step found: the order as the step left it, and the change it made (if any). */
export interface AppliedStep {
  readonly order: OrderState;
  readonly change: OrderChange | undefined;
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
  private readonly logger = new Logger('Ordering');

  constructor(private readonly outbox: Outbox) {}

  /** Applies `step` to the locked order; undefined when there is no such order. */
  async apply(manager: EntityManager, orderId: string, step: OrderStep): Promise<AppliedStep | undefined> {
    const state = (await lockOrders(manager, [orderId])).get(orderId);
    if (!state) return undefined;
    const order = Order.restore(state);
    const change = step(order, new Date());
    if (change) {
      await saveTransitions(manager, [order.state]);
      const announcement = this.announcement(order.state, change);
      if (announcement)
        await this.outbox.publish(manager, announcement.event, announcement.payload, announcement.aggregate);
    }
    return { order: order.state, change };
  }

  /**
   * `apply` for saga events that each name their order, the events of one inbox transaction
   * (a handler's `handleMany`), in four round trips for all of them: every order locked at once
   * (in id order), `step` taken for each event in turn (two events of one order: the second
   * sees the first's effect), every changed order written in one statement, every announcement
   * in one more, naming the event it answers. An event about an order ordering does not know is
   * logged (`said`: what the event says) and left; its entry is undefined.
   */
  async applyToEvents<P extends { readonly orderId: string }>(
    manager: EntityManager,
    events: readonly EventEnvelope<P>[],
    step: OrderStep,
    said: (payload: P) => string,
  ): Promise<(AppliedStep | undefined)[]> {
    const states = await lockOrders(
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
    await saveTransitions(
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
