import type { Type } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope, IntegrationEvent } from '#libs/contracts';

const CONSUMES = Symbol('tessera:consumes');

/**
 * A module's lock order for its inbox transactions (`inboxLockOrder` in its manifest): given
 * the events a transaction is about to handle, it locks every row their handlers may lock,
 * sorted, so that concurrent transactions queue instead of deadlocking. Handlers may lock
 * those rows again (a no-op) but must not lock rows it did not name before ones it did.
 */
export interface InboxLockOrder {
  lockFor(events: readonly EventEnvelope[], manager: EntityManager): Promise<void>;
}

/**
 * Handles integration events inside the consumer's transaction: whatever it writes through
 * `manager` commits together with the inbox record of the event id, so a redelivered event
 * has no second effect. A handler implements `handle`, `handleMany`, or both (checked when
 * the inbox starts).
 */
export interface IntegrationEventHandler<TPayload = unknown> {
  /** One event. Without it, a lone event goes to `handleMany` as a batch of one. */
  handle?(event: EventEnvelope<TPayload>, manager: EntityManager): Promise<void>;
  /**
   * Several events in one go, in delivery order, with the effect handling each in turn would
   * have. Under load the consumer hands it the consecutive deliveries of one transaction, so a
   * handler can write them in one statement instead of one each. If it throws, each event is
   * retried alone (through `handle` when there is one). It publishes with
   * `Outbox.publishEach`, naming the event each new one answers; `publish` refuses here,
   * since the cause would be ambiguous.
   */
  handleMany?(events: readonly EventEnvelope<TPayload>[], manager: EntityManager): Promise<void>;
}

/**
 * Declares the integration event a handler class consumes. Being a decorator, it also makes
 * TypeScript emit the constructor's parameter types, which is all Nest needs to inject it.
 */
export function OnIntegrationEvent(event: IntegrationEvent): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(CONSUMES, event, target);
  };
}

export function consumedEvent(handler: Type): IntegrationEvent | undefined {
  return Reflect.getMetadata(CONSUMES, handler) as IntegrationEvent | undefined;
}
