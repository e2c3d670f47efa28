import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import type { PaymentStatus } from '../domain/payment';
import type { ProviderEvent } from '../application/ports/payment-provider';
import { ProviderEventStore, type ProviderEventKey } from '../application/ports/provider-event-store';

@Injectable()
export class PostgresProviderEventStore implements ProviderEventStore {
  constructor(private readonly dataSource: DataSource) {}

  /** One statement records the event and reads its payment's status. */
  async record(
    { provider, eventId }: ProviderEventKey,
    event: ProviderEvent,
    paymentId: string | null,
    settledIn: readonly PaymentStatus[],
  ): Promise<{ readonly processed: boolean } | undefined> {
    const [inserted] = await queryPrepared<{ processed: boolean }>(
      this.dataSource,
      `INSERT INTO payments.provider_events (provider, event_id, type, payload, processed_at)
       SELECT $1, $2, $3, $4,
              (SELECT now() FROM payments.payments WHERE id = $5::uuid AND status = ANY($6::text[]))
       ON CONFLICT (provider, event_id) DO NOTHING RETURNING processed_at IS NOT NULL AS processed`,
      [provider, eventId, event.type, JSON.stringify(event), paymentId, settledIn],
    );
    return inserted;
  }

  async isUnapplied({ provider, eventId }: ProviderEventKey): Promise<boolean> {
    const [row] = await queryPrepared<{ processed_at: Date | null }>(
      this.dataSource,
      `SELECT processed_at FROM payments.provider_events WHERE provider = $1 AND event_id = $2`,
      [provider, eventId],
    );
    return row !== undefined && row.processed_at === null;
  }

  async lock(
    manager: EntityManager,
    { provider, eventId }: ProviderEventKey,
  ): Promise<{ readonly event: ProviderEvent; readonly processed: boolean } | undefined> {
    const [row] = await queryPrepared<{ payload: ProviderEvent; processed_at: Date | null }>(
      manager,
      `SELECT payload, processed_at FROM payments.provider_events WHERE provider = $1 AND event_id = $2 FOR UPDATE`,
      [provider, eventId],
    );
    return row && { event: row.payload, processed: row.processed_at !== null };
  }

  async markProcessed(manager: EntityManager, { provider, eventId }: ProviderEventKey): Promise<void> {
    await queryPrepared(
      manager,
      `UPDATE payments.provider_events SET processed_at = now() WHERE provider = $1 AND event_id = $2`,
      [provider, eventId],
    );
  }

  /** Index `provider_events_unapplied`. */
  pastDeadline(deadlineSeconds: number, limit: number): Promise<ProviderEventKey[]> {
    return queryPrepared<ProviderEventKey>(
      this.dataSource,
      `SELECT provider, event_id AS "eventId" FROM payments.provider_events
        WHERE processed_at IS NULL AND received_at <= now() - make_interval(secs => $1)
        ORDER BY received_at LIMIT $2`,
      [deadlineSeconds, limit],
    );
  }
}
