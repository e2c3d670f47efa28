import { Logger } from '@nestjs/common';
import { Client, type Notification, type QueryResult } from 'pg';
import { RepeatedFailureLog } from '../observability/repeated-failure-log';
import { describeError } from './describe-error';

type Handler = (payload: string | undefined) => void;

/** The listening connection as a library that issues its own LISTEN uses it (BullMQ's PostgreSQL backend). */
export interface ListenSession {
  query(text: string, values?: unknown[]): Promise<QueryResult>;
  on(event: 'notification', listener: (message: Notification) => void): unknown;
  removeListener(event: 'notification', listener: (message: Notification) => void): unknown;
}

/**
 * The process's one LISTEN connection, on the direct URL (a pooler cannot keep a LISTEN). After a
 * reconnect `onReconnect` subscribers are told, since notifications sent meanwhile are gone.
 */
export class DatabaseListener {
  private readonly logger = new Logger('DatabaseListener');
  /** While the database is down, every reconnect fails. */
  private readonly failures = new RepeatedFailureLog(this.logger, 'LISTEN failed; trying again', 'on-success');
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnectHooks = new Set<() => void>();
  /** Shared advisory locks this session holds, by key, with how many holders in the process. */
  private readonly sharedLocks = new Map<string, number>();
  private current: Promise<Client> | undefined;
  /** The last query sent, or settled: the next waits for it (see `inTurn`). */
  private turn: Promise<unknown> = Promise.resolve();
  private reconnecting = false;
  private stopped = false;

  constructor(private readonly url: string) {}

  /** Calls `handler` with the payload of each NOTIFY on `channel`. */
  async listen(channel: string, handler: Handler): Promise<void> {
    let set = this.handlers.get(channel);
    const first = !set;
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    if (first) {
      const client = await this.client();
      await this.inTurn(client, `LISTEN ${quoteIdentifier(channel)}`);
    }
  }

  /** Shows other processes, in `pg_locks`, that this one is there; retaken on reconnect, released by the last one. */
  async holdSharedLock(key: string): Promise<void> {
    const holders = this.sharedLocks.get(key) ?? 0;
    this.sharedLocks.set(key, holders + 1);
    if (holders === 0) await this.inTurn(await this.client(), LOCK_SHARED, [key]);
  }

  async releaseSharedLock(key: string): Promise<void> {
    const holders = this.sharedLocks.get(key) ?? 0;
    if (holders > 1) return void this.sharedLocks.set(key, holders - 1);
    this.sharedLocks.delete(key);
    const client = await this.current?.catch(() => undefined);
    if (client) await this.inTurn(client, UNLOCK_SHARED, [key]).catch(() => undefined);
  }

  onReconnect(hook: () => void): void {
    this.reconnectHooks.add(hook);
  }

  /** The connection (connected on first use) for code that issues its own LISTEN; its queries take their turn. */
  async session(): Promise<ListenSession> {
    const client = await this.client();
    return {
      query: (text, values) => this.inTurn(client, text, values),
      on: (event, listener) => client.on(event, listener),
      removeListener: (event, listener) => client.removeListener(event, listener),
    };
  }

  /**
   * One query at a time on the connection, whoever sends it: pg 8 queues concurrent queries on a
   * client with a deprecation warning on stderr, and pg 9 will not take them.
   */
  private inTurn(client: Client, text: string, values?: unknown[]): Promise<QueryResult> {
    const result = this.turn.then(() => client.query(text, values));
    this.turn = result.catch(() => undefined);
    return result;
  }

  /** The connected client, connecting it on first use. */
  private client(): Promise<Client> {
    if (this.stopped) return Promise.reject(new Error('the database listener is stopped'));
    this.current ??= this.connect();
    return this.current;
  }

  private async connect(): Promise<Client> {
    const client = new Client({
      connectionString: this.url,
      application_name: 'tessera:listen',
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // Every blocked BullMQ worker adds a listener while it waits.
    client.setMaxListeners(0);
    client.on('error', () => undefined);
    client.on('notification', (message: Notification) => {
      for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload);
    });
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdentifier(channel)}`);
      for (const key of this.sharedLocks.keys()) await client.query(LOCK_SHARED, [key]);
      this.failures.succeeded();
      return client;
    } catch (error) {
      this.current = undefined;
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.failures.failed(describeError(error));
      this.reconnect(1000);
      throw error;
    }
  }

  private lost(client: Client): void {
    void this.current?.then(
      (connected) => {
        if (connected !== client) return;
        this.current = undefined;
        this.logger.warn('LISTEN connection lost; reconnecting');
        this.reconnect(1000);
      },
      () => undefined,
    );
  }

  /**
   * Connects again after `delayMs` (doubling up to 2 s: after a failover the new primary is
   * listened to within 2 s of its promotion), then tells the subscribers.
   */
  private reconnect(delayMs: number): void {
    if (this.stopped || this.reconnecting) return;
    this.reconnecting = true;
    setTimeout(() => {
      this.reconnecting = false;
      if (this.stopped || this.current) return;
      this.client().then(
        () => {
          for (const hook of this.reconnectHooks) hook();
        },
        () => this.reconnect(Math.min(delayMs * 2, MAX_RECONNECT_DELAY_MS)),
      );
    }, delayMs).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const client = await this.current?.catch(() => undefined);
    this.current = undefined;
    await client?.end().catch(() => undefined);
  }
}

/** One connection attempt every 2 s per process while the primary is away costs nothing. */
const MAX_RECONNECT_DELAY_MS = 2000;

const LOCK_SHARED = 'SELECT pg_advisory_lock_shared(hashtextextended($1, 0))';
const UNLOCK_SHARED = 'SELECT pg_advisory_unlock_shared(hashtextextended($1, 0))';

/** How many sessions hold the shared advisory lock on `key` (`holdSharedLock`) in this database. */
export const SHARED_LOCK_HOLDERS_SQL = `SELECT count(DISTINCT pid)::int AS holders FROM pg_locks
  WHERE locktype = 'advisory' AND objsubid = 1 AND granted
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`;

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
