import { lsnAtLeast } from '../database/lsn';

/**
 * The WAL position of the latest change to each key or namespace, as invalidations carry it. A
 * value read before that position, from a replica that had not replayed the change yet, may
 * answer its read but is not kept (docs/decisions/0021-read-cache-and-invalidation.md). The
 * positions heard of longest ago are forgotten past `limit`.
 */
export class ChangePositions {
  private readonly positions = new Map<string, string>();

  constructor(private readonly limit: number) {}

  record(keys: readonly string[], lsn: string): void {
    for (const key of keys) {
      const known = this.positions.get(key);
      this.positions.delete(key); // re-inserted last: the most recently heard of
      this.positions.set(key, known !== undefined && lsnAtLeast(known, lsn) ? known : lsn);
      if (this.positions.size > this.limit) this.positions.delete(this.positions.keys().next().value!);
    }
  }

  /** Whether a value read at `lsn` is at least as new as the latest change to `key` heard of. */
  covers(key: string, lsn: string): boolean {
    const changed = this.positions.get(key);
    return changed === undefined || lsnAtLeast(lsn, changed);
  }
}
