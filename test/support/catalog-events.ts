import { eventually } from './eventually';
import type { TestDatabase } from './test-database';

/**
 * Waits until catalog has handled its own events about a product. Each one drops the
 * product's cached reads once more on arrival (the durable backstop behind the command's own
 * invalidation), so a test that counts cache hits or misses starts after them.
 */
export function catalogEventsHandled(db: Pick<TestDatabase, 'query'>, productId: string): Promise<unknown> {
  return eventually(
    () =>
      db.query<{ unhandled: number }>(
        `SELECT count(*)::int AS unhandled FROM catalog.outbox o
          WHERE o.aggregate_id = $1 AND NOT EXISTS (SELECT 1 FROM catalog.inbox i WHERE i.event_id = o.event_id)`,
        [productId],
      ),
    (rows) => rows[0]!.unhandled === 0,
    { what: `catalog handled the events of product ${productId}` },
  );
}
