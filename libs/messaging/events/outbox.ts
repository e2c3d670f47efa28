import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { eventKey, type IntegrationEvent } from '#libs/contracts';
import { currentMessageContext } from '#libs/observability';

export const OUTBOX_CHANNEL = 'tessera_outbox';

export interface AggregateRef {
  readonly aggregateId: string;
  readonly aggregateVersion: number;
}

/**
 * A module's outbox. `publish` writes the event in the caller's transaction, so it exists
 * exactly when the state change does; the relay sends it later, even if this process dies
 * right after the commit.
 */
export class Outbox {
  private readonly publishable: Set<string>;

  constructor(
    readonly module: string,
    readonly schema: string,
    publishes: readonly IntegrationEvent[],
  ) {
    this.publishable = new Set(publishes.map(eventKey));
  }

  async publish<T>(
    manager: EntityManager,
    event: IntegrationEvent<T>,
    payload: T,
    aggregate: AggregateRef,
  ): Promise<string> {
    const key = eventKey(event);
    if (!this.publishable.has(key)) {
      throw new Error(`module ${this.module} does not publish ${key}: add it to its manifest's publishes`);
    }
    const parsed = event.schema.safeParse(payload);
    if (!parsed.success) {
      throw new Error(`refusing to publish ${key}: payload breaks its schema: ${parsed.error.message}`);
    }
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error(`publish ${key} inside the transaction of the state change it announces`);
    }
    const context = currentMessageContext();
    const id = randomUUID();
    await manager.query(
      `INSERT INTO outbox (event_id, event_name, event_version, aggregate_id, aggregate_version, payload, correlation_id, causation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        id,
        event.name,
        event.version,
        aggregate.aggregateId,
        aggregate.aggregateVersion,
        JSON.stringify(parsed.data),
        context?.correlationId ?? null,
        context?.causationId ?? null,
      ],
    );
    // NOTIFY is transactional: relays wake when (and only if) this commits.
    await manager.query(`SELECT pg_notify($1, $2)`, [OUTBOX_CHANNEL, this.schema]);
    return id;
  }
}
