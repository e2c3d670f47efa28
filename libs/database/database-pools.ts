import { BudgetPool } from './budget-pool';
import type { ConnectionShares } from './connection-budget';
import { DatabaseListener } from './database-listener';

export interface DatabasePoolsOptions {
  readonly shares: ConnectionShares;
  /** How long a caller waits for a connection before it gets "database unavailable". */
  readonly acquireTimeoutMs: number;
  readonly preparedStatements: boolean;
  /** How long a statement on a read replica may go unanswered before it fails (REPLICA_QUERY_TIMEOUT_MS). */
  readonly replicaQueryTimeoutMs: number;
  /** The primary without a pooler, for LISTEN; a module's own database is reached at its URL. */
  readonly primaryUrl: string;
  readonly primaryDirectUrl: string;
}

interface DatabaseEntry {
  readonly requests: BudgetPool;
  /** The events share's pool; the requests pool itself when the process has no such share. */
  readonly events: BudgetPool;
  readonly listener: DatabaseListener;
}

/** Every connection of the process (docs/decisions/0001-one-connection-budget-per-process.md). */
export class DatabasePools {
  private readonly databases = new Map<string, DatabaseEntry>();
  private readonly replicas = new Map<string, BudgetPool>();

  constructor(private readonly options: DatabasePoolsOptions) {}

  get shares(): ConnectionShares {
    return this.options.shares;
  }

  /** The pool of the requests share (or of the whole budget, in a process that serves none). */
  requests(url: string): BudgetPool {
    return this.database(url).requests;
  }

  /** The pool of the events share (or of the whole budget, in a process that delivers none). */
  events(url: string): BudgetPool {
    return this.database(url).events;
  }

  /** The LISTEN connection to the database at `url`. */
  listener(url: string): DatabaseListener {
    return this.database(url).listener;
  }

  /** The URL to reach the database at `url` without a pooler. */
  directUrl(url: string): string {
    return url === this.options.primaryUrl ? this.options.primaryDirectUrl : url;
  }

  /** A read replica's pool: as large as the process's requests and events shares together. */
  replica(url: string): BudgetPool {
    let pool = this.replicas.get(url);
    if (!pool) {
      const { requests, events } = this.options.shares;
      pool = new BudgetPool({
        role: 'replica',
        url,
        max: requests + events,
        // A replica that does not answer quickly is better skipped than waited for.
        acquireTimeoutMs: Math.min(1000, this.options.acquireTimeoutMs),
        preparedStatements: this.options.preparedStatements,
        // A replica that stops answering mid-query (a partition, a frozen VM) would hold the read
        // and its connection forever; timed out, the read runs again on the primary.
        queryTimeoutMs: this.options.replicaQueryTimeoutMs,
        keepAlive: true,
      });
      this.replicas.set(url, pool);
    }
    return pool;
  }

  async end(): Promise<void> {
    const entries = [...this.databases.values()];
    this.databases.clear();
    const pools = [
      ...entries.flatMap(({ requests, events }) => (requests === events ? [requests] : [requests, events])),
      ...this.replicas.values(),
    ];
    this.replicas.clear();
    await Promise.all([
      ...entries.map(({ listener }) => listener.stop()),
      ...pools.map((pool) => pool.end().catch(() => undefined)),
    ]);
  }

  private database(url: string): DatabaseEntry {
    let entry = this.databases.get(url);
    if (!entry) {
      const { requests, events } = this.options.shares;
      // No query timeout on the primary: nothing bounds its statements today (partition maintenance,
      // a relay batch, a bulk write may rightly run long), and with no other server to run them on,
      // a timeout would only turn a slow statement into a failed one.
      const pool = (role: 'requests' | 'events', max: number) =>
        new BudgetPool({
          role,
          url,
          max,
          acquireTimeoutMs: this.options.acquireTimeoutMs,
          preparedStatements: this.options.preparedStatements,
          // Pipelined: a write with a read queued behind it (`queryPreparedCommitted`) takes one round trip.
          pipeline: role === 'requests',
        });
      const requestsPool = requests > 0 ? pool('requests', requests) : pool('events', events);
      const eventsPool = requests > 0 && events > 0 ? pool('events', events) : requestsPool;
      entry = { requests: requestsPool, events: eventsPool, listener: new DatabaseListener(this.directUrl(url)) };
      this.databases.set(url, entry);
    }
    return entry;
  }
}
