import type { DataSource } from 'typeorm';
import { GroupedRuns, queryPrepared } from '#libs/sql';

export const OUTBOX_CHANNEL = 'tessera_outbox';

/**
 * A NOTIFY after the commit, never inside it (docs/decisions/0006-outbox-relay-woken-after-commit.md).
 * Rings during a notify share the next one; a lost one only delays the rows until the relay's poll.
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
