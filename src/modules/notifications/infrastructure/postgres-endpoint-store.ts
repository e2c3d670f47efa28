import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { EndpointStore } from '../application/ports/endpoint-store';
import type { FailureRun, WebhookEndpoint } from '../domain/webhook-endpoint';
import { query } from './sql-query';

const ENDPOINT = `id, owner_id AS "ownerId", url, event_types AS "eventTypes", secret, status,
  consecutive_failures AS "consecutiveFailures", disabled_at AS "disabledAt", created_at AS "createdAt"`;

@Injectable()
export class PostgresEndpointStore implements EndpointStore {
  constructor(private readonly dataSource: DataSource) {}

  async find(id: string, manager?: EntityManager): Promise<WebhookEndpoint | undefined> {
    const sql = `SELECT ${ENDPOINT} FROM notifications.webhook_endpoints WHERE id = $1`;
    return (await query<WebhookEndpoint>(manager ?? this.dataSource, sql, [id]))[0];
  }

  async insert(e: WebhookEndpoint): Promise<void> {
    await query(
      this.dataSource,
      `INSERT INTO notifications.webhook_endpoints
         (id, owner_id, url, event_types, secret, status, consecutive_failures, disabled_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [e.id, e.ownerId, e.url, e.eventTypes, e.secret, e.status, e.consecutiveFailures, e.disabledAt, e.createdAt],
    );
  }

  async delete(manager: EntityManager, id: string): Promise<void> {
    await query(manager, `DELETE FROM notifications.webhook_endpoints WHERE id = $1`, [id]);
  }

  async enable(manager: EntityManager, id: string): Promise<void> {
    await query(
      manager,
      `UPDATE notifications.webhook_endpoints SET status = 'active', consecutive_failures = 0, disabled_at = NULL WHERE id = $1`,
      [id],
    );
  }

  ownedBy(
    ownerId: string,
    limit: number,
    after: { createdAt: Date; id: string } | undefined,
  ): Promise<WebhookEndpoint[]> {
    return query<WebhookEndpoint>(
      this.dataSource,
      `SELECT ${ENDPOINT} FROM notifications.webhook_endpoints
        WHERE owner_id = $1 AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT $4`,
      // The first page starts after every row.
      [ownerId, after?.createdAt ?? 'infinity', after?.id ?? 'ffffffff-ffff-ffff-ffff-ffffffffffff', limit],
    );
  }

  /** FOR NO KEY UPDATE: new deliveries referencing the endpoint (their foreign key takes KEY SHARE) are not blocked. */
  async lockFailureRun(manager: EntityManager, endpointId: string): Promise<FailureRun | undefined> {
    const rows = await query<FailureRun>(
      manager,
      `SELECT consecutive_failures AS "consecutiveFailures", status FROM notifications.webhook_endpoints WHERE id = $1 FOR NO KEY UPDATE`,
      [endpointId],
    );
    return rows[0];
  }

  async saveFailureRun(manager: EntityManager, endpointId: string, run: FailureRun): Promise<void> {
    await query(
      manager,
      `UPDATE notifications.webhook_endpoints
          SET consecutive_failures = $2, status = $3,
              disabled_at = CASE WHEN $3 = 'disabled' THEN COALESCE(disabled_at, now()) END
        WHERE id = $1`,
      [endpointId, run.consecutiveFailures, run.status],
    );
  }
}
