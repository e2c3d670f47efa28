import type { DataSource } from 'typeorm';
import { GroupedRuns } from './grouped-runs';
import { queryPreparedCommitted } from './prepared-statement';

/** One write's part of a grouped statement. */
export interface GroupedWrite {
  /** Writes with one key never share a statement: two requests with one idempotency key meet as two transactions. */
  readonly key?: string;
  /** Its CTEs (named with `suffix`) and `result` over them; may be called again, so build from values fixed before. */
  build(params: unknown[], suffix: string): { readonly ctes: readonly string[]; readonly result: string };
}

export interface GroupCommitOptions {
  /** What the writes are, for the metric `grouped_statement_parts` (`place_order`). */
  readonly name: string;
  /** Statements in flight at once (see `GroupedRuns`). */
  readonly statements: number;
  /** Writes in one statement at most. */
  readonly maxWrites: number;
}

/** A write's result, and the primary's LSN once its statement had committed. */
export interface CommittedWrite<T> {
  readonly result: T;
  /** Includes the write's commit; absent if reading it failed after the commit. */
  readonly lsn: string | undefined;
}

interface Waiting {
  readonly write: GroupedWrite;
  resolve(committed: CommittedWrite<unknown>): void;
  reject(error: unknown): void;
}

/**
 * Concurrent writes of one kind as ONE statement (docs/decisions/0008-group-commit.md). If it fails,
 * each write runs again on its own, so only the write at fault sees its error.
 */
export class GroupCommit {
  private readonly runs: GroupedRuns<Waiting>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: GroupCommitOptions,
  ) {
    this.runs = new GroupedRuns(
      options.name,
      options.statements,
      (waiting) => this.nextGroup(waiting),
      (group) => this.run(group),
    );
  }

  /** Runs `write`, with whatever else waits, and resolves with its `result`. */
  async write<T>(write: GroupedWrite): Promise<T> {
    return (await this.commit<T>(write)).result;
  }

  /** `write`, also resolving with the LSN after its commit, read in the same round trip (`queryPreparedCommitted`). */
  commit<T>(write: GroupedWrite): Promise<CommittedWrite<T>> {
    return new Promise<CommittedWrite<T>>((resolve, reject) => {
      this.runs.add({ write, resolve: resolve as (committed: CommittedWrite<unknown>) => void, reject });
    });
  }

  /** The oldest waiting writes, up to `maxWrites`, no two with one key. */
  private nextGroup(waiting: Waiting[]): Waiting[] {
    const group: Waiting[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < waiting.length && group.length < this.options.maxWrites;) {
      const key = waiting[i]!.write.key;
      if (key !== undefined && keys.has(key)) {
        i += 1;
        continue;
      }
      if (key !== undefined) keys.add(key);
      group.push(...waiting.splice(i, 1));
    }
    return group;
  }

  private async run(group: readonly Waiting[]): Promise<void> {
    let results: unknown[];
    let lsn: string | undefined;
    try {
      ({ results, lsn } = await this.execute(group.map((waiting) => waiting.write)));
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      await Promise.all(group.map((waiting) => this.run([waiting])));
      return;
    }
    group.forEach((waiting, i) => waiting.resolve({ result: results[i], lsn }));
  }

  private async execute(writes: readonly GroupedWrite[]): Promise<{ results: unknown[]; lsn: string | undefined }> {
    const params: unknown[] = [];
    const parts = writes.map((write, i) => write.build(params, `_${i}`));
    // One text per group size and shape: a few prepared statements per connection.
    const { rows, lsn } = await queryPreparedCommitted<Record<string, unknown>>(
      this.dataSource,
      `WITH ${parts.flatMap((part) => part.ctes).join(',\n')}
       SELECT ${parts.map((part, i) => `${part.result} AS r${i}`).join(', ')}`,
      params,
    );
    const [row] = rows;
    return { results: parts.map((_, i) => row?.[`r${i}`]), lsn };
  }
}
