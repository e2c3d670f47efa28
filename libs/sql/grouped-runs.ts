import { Histogram, register } from 'prom-client';

// prom-client's global registry, as `registeredMetric` (#libs/observability, which this
// low-level library does not import) would: several apps may start in one process.
const groupSizes =
  (register.getSingleMetric('grouped_statement_parts') as Histogram<'name'> | undefined) ??
  new Histogram({
    name: 'grouped_statement_parts',
    help: 'Items one grouped run carried: writes (GroupCommit), lookups (GroupedLookup), LSN reads, outbox doorbell rings',
    labelNames: ['name'],
    buckets: [1, 2, 3, 4, 6, 8, 12, 16, 32],
  });

/**
 * At most `slots` groups at once: a quiet system waits only for the rest of an event-loop turn; under
 * load a group is what arrived during one run (docs/decisions/0008-group-commit.md).
 */
export class GroupedRuns<T> {
  private readonly waiting: T[] = [];
  private running = 0;
  private gathering = false;

  constructor(
    /** What the items are, for the metric `grouped_statement_parts`. */
    private readonly name: string,
    private readonly slots: number,
    /** Removes from `waiting` (oldest first) the items of the next group and answers them. */
    private readonly nextGroup: (waiting: T[]) => T[],
    /** Runs a group; it must settle every item of it itself and never reject. */
    private readonly run: (group: T[]) => Promise<void>,
  ) {}

  add(item: T): void {
    this.waiting.push(item);
    if (this.gathering || this.running >= this.slots) return; // a run's end starts the next
    this.gathering = true;
    setImmediate(() => {
      this.gathering = false;
      this.startWaiting();
    });
  }

  private startWaiting(): void {
    while (this.running < this.slots && this.waiting.length > 0) {
      const group = this.nextGroup(this.waiting);
      groupSizes.observe({ name: this.name }, group.length);
      this.running += 1;
      void this.run(group).finally(() => {
        this.running -= 1;
        this.startWaiting();
      });
    }
  }
}
