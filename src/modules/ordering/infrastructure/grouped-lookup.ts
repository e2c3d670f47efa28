import { GroupedRuns } from '#libs/sql';

export interface GroupedLookupOptions {
  /** What is looked up, for the metric `grouped_statement_parts` (`order_products`). */
  readonly name: string;
  /** Queries in flight at once. */
  readonly statements: number;
  /** Keys in one query at most (a lookup with more still goes, alone). */
  readonly maxKeys: number;
}

interface Waiting<K, V> {
  readonly keys: readonly K[];
  resolve(found: Map<K, V>): void;
  reject(error: unknown): void;
}

/**
 * Reads by key, grouped as `GroupCommit` groups writes: lookups that arrive while the
 * database is busy with earlier ones go out as ONE query for all their keys. Each lookup gets
 * only its own keys back; a query that fails fails every lookup of it.
 */
export class GroupedLookup<K, V> {
  private readonly runs: GroupedRuns<Waiting<K, V>>;

  constructor(
    /** The values of these (distinct) keys; a key with none is absent. */
    private readonly fetch: (keys: readonly K[]) => Promise<Map<K, V>>,
    private readonly options: GroupedLookupOptions,
  ) {
    this.runs = new GroupedRuns(
      options.name,
      options.statements,
      (waiting) => this.nextGroup(waiting),
      (group) => this.run(group),
    );
  }

  lookup(keys: readonly K[]): Promise<Map<K, V>> {
    return new Promise((resolve, reject) => this.runs.add({ keys, resolve, reject }));
  }

  private nextGroup(waiting: Waiting<K, V>[]): Waiting<K, V>[] {
    let keys = waiting[0]!.keys.length;
    let size = 1;
    while (size < waiting.length && keys + waiting[size]!.keys.length <= this.options.maxKeys) {
      keys += waiting[size]!.keys.length;
      size += 1;
    }
    return waiting.splice(0, size);
  }

  private async run(group: readonly Waiting<K, V>[]): Promise<void> {
    let found: Map<K, V>;
    try {
      found = await this.fetch([...new Set(group.flatMap((waiting) => waiting.keys))]);
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
      return;
    }
    for (const waiting of group) {
      const own = new Map<K, V>();
      for (const key of waiting.keys) if (found.has(key)) own.set(key, found.get(key)!);
      waiting.resolve(own);
    }
  }
}
