import type { DataSource } from 'typeorm';
import { GroupedRuns, queryPrepared } from '#libs/sql';

export const OUTBOX_CHANNEL = 'tessera_outbox';

/**
 * Tells a module's relays that its outbox has new rows: a NOTIFY sent AFTER the commit that
 * wrote them, as a statement of its own. Not `pg_notify` inside the writing transaction:
 * PostgreSQL serializes the commits of all transactions that notified (a lock held through
 * the commit's WAL flush), so concurrent commits cannot share a flush (docs/decisions/0006).
 * A notify of its own writes no WAL, so it waits for no flush and holds that lock only briefly.
 *
 * Rings that come while a notify is in flight share the next one. A notify that is lost
 * (a failed query, a crash after the commit) only delays the rows until the relay's poll.
 */
export class OutboxDoorbell {
  private readonly notifies = new GroupedRuns<true>(
    'outbox_doorbell',
    1,
    (waiting) => waiting.splice(0),
    () => this.notify(),
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  /** Call after the commit of rows written to the outbox. */
  ring(): void {
    this.notifies.add(true);
  }

  private async notify(): Promise<void> {
    try {
      await queryPrepared(this.dataSource, 'SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, this.schema]);
    } catch {
      // The relays poll every RELAY_POLL_MS: they find the rows then.
    }
  }
}
