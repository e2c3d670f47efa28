import type { Type } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope, IntegrationEvent } from '#libs/contracts';

const CONSUMES = Symbol('tessera:consumes');

/**
 * Locks, sorted, every row a transaction's handlers may lock (docs/decisions/0026-inbox-lock-order.md).
 * Handlers must not lock rows it did not name before ones it did.
 */
export interface InboxLockOrder {
  lockFor(events: readonly EventEnvelope[], manager: EntityManager): Promise<void>;
}

/** Writes through `manager` commit with the inbox record. Implements `handle`, `handleMany`, or both. */
export interface IntegrationEventHandler<TPayload = unknown> {
  /** One event. Without it, a lone event goes to `handleMany` as a batch of one. */
  handle?(event: EventEnvelope<TPayload>, manager: EntityManager): Promise<void>;
  /**
   * In delivery order, with the effect of handling each in turn (docs/decisions/0007-set-wise-inbox-handlers.md).
   * If it throws, each event is retried alone. Publishes with `Outbox.publishEach`: `publish` has no one cause here.
   */
  handleMany?(events: readonly EventEnvelope<TPayload>[], manager: EntityManager): Promise<void>;
}

/** Also makes TypeScript emit the constructor's parameter types, which is all Nest needs to inject it. */
export function OnIntegrationEvent(event: IntegrationEvent): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(CONSUMES, event, target);
  };
}

export function consumedEvent(handler: Type): IntegrationEvent | undefined {
  return Reflect.getMetadata(CONSUMES, handler) as IntegrationEvent | undefined;
}
