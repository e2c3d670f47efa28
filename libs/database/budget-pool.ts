import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import pg, { Client, Pool, type PoolClient, type PoolConfig } from 'pg';
import { Gauge, Histogram, register } from 'prom-client';
import { connectionUnfit } from './database-unreachable';

/** What a pool is for: one share of a database's budget, or a replica's pool. */
export type PoolRole = 'requests' | 'events' | 'queues' | 'replica';

export interface BudgetPoolOptions {
  readonly role: PoolRole;
  readonly url: string;
  readonly max: number;
  /** How long a caller waits for a connection before it is told the database is unavailable. */
  readonly acquireTimeoutMs: number;
  /** Named prepared statements: off behind a transaction-mode pooler that cannot keep them. */
  readonly preparedStatements: boolean;
  /** Sends a statement before the one ahead of it is answered (node-postgres `pipeline`). */
  readonly pipeline?: boolean;
  /**
   * How long a statement may wait for its answer before it fails (node-postgres `query_timeout`);
   * its connection is then closed. Unset: no limit.
   */
  readonly queryTimeoutMs?: number;
  /** TCP keepalive, so that the kernel finds a connection whose peer vanished. */
  readonly keepAlive?: boolean;
}

const acquireSeconds = registeredMetric(
  'db_pool_acquire_seconds',
  () =>
    new Histogram({
      name: 'db_pool_acquire_seconds',
      help: 'How long a caller waited for a connection of the pool',
      labelNames: ['pool', 'database'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
);

/**
 * One share of the budget, borrowed by every module of the process
 * (docs/decisions/0001-one-connection-budget-per-process.md).
 */
export class BudgetPool {
  readonly pool: Pool;
  readonly database: string;

  constructor(readonly options: BudgetPoolOptions) {
    this.database = databaseLabel(options.url);
    const config: PoolConfig = {
      connectionString: options.url,
      max: options.max,
      connectionTimeoutMillis: options.acquireTimeoutMs,
      idleTimeoutMillis: 30_000,
      application_name: `tessera:${options.role}`,
      ...(options.preparedStatements ? {} : { Client: UnnamedStatementClient }),
      ...(options.pipeline ? { pipeline: true } : {}),
      ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
      ...(options.keepAlive ? { keepAlive: true, keepAliveInitialDelayMillis: 10_000 } : {}),
    };
    this.pool = new Pool(config);
    // A dropped idle connection must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
    closeUnfitConnections(this.pool);
    if (options.queryTimeoutMs) this.pool.on('connect', closedOnReadTimeout);
    trackPool(this);
  }

  get role(): PoolRole {
    return this.options.role;
  }

  async connect(): Promise<PoolClient> {
    const started = performance.now();
    try {
      return await this.pool.connect();
    } finally {
      acquireSeconds.observe({ pool: this.role, database: this.database }, (performance.now() - started) / 1000);
    }
  }

  /** TypeORM's `driver`: its `Pool` is a view of this pool, so a data source's `destroy()` leaves the pool be. */
  typeormDriver(): typeof pg {
    const connect = () => this.connect();
    class SharedPoolView {
      connect(callback: (error: Error | undefined, client?: PoolClient, release?: (error?: Error) => void) => void) {
        connect().then(
          (client) => callback(undefined, client, (error?: Error) => client.release(error)),
          (error: Error) => callback(error),
        );
      }
      on(): this {
        return this;
      }
      end(callback?: () => void): Promise<void> {
        callback?.();
        return Promise.resolve();
      }
    }
    return { ...pg, Pool: SharedPoolView } as unknown as typeof pg;
  }

  end(): Promise<void> {
    untrackPool(this);
    return this.pool.end();
  }
}

/**
 * Connections that got a server error after which they are worth nothing: they reached a standby
 * (a primary demoted by a failover) or a server going away (docs/decisions/0036-postgresql-under-patroni.md).
 */
const unfit = new WeakSet<PoolClient>();

/**
 * Marks the connection unfit when the server answers it with such an error, whoever asked, or
 * when it dies. pg-pool listens for a dead connection only while it is idle: one that dies while
 * checked out (a failover, HAProxy cutting its sessions) emits 'error' with nobody listening
 * unless its holder does, and an unheard 'error' ends the process.
 */
function watchFitness(client: PoolClient): void {
  // Ahead of the client's own listener, which may hand the error to a callback that releases at once.
  const connection = (client as unknown as { connection: EventEmitter }).connection;
  connection.prependListener('errorMessage', (message: { code?: unknown }) => {
    if (connectionUnfit(message.code)) unfit.add(client);
  });
  // The holder's query fails with the same error: that is where it is reported.
  client.on('error', () => unfit.add(client));
}

/**
 * Makes `pool` close a connection when it is released unfit, instead of handing it to the next
 * caller (who would write to a standby), whether it was checked out with `connect()` or used by
 * `pool.query()`. Also for pools made by a library (BullMQ's PostgreSQL backend).
 */
export function closeUnfitConnections(pool: Pool): Pool {
  pool.on('connect', watchFitness);
  const connect = pool.connect.bind(pool) as (callback: PoolConnectCallback) => void;
  // pg-pool's own `query()` checks out through `this.connect(callback)`, so both forms are covered.
  pool.connect = function (callback?: PoolConnectCallback) {
    if (callback)
      return connect((error, client, done) => {
        if (!client) return callback(error, client, done);
        const checked = closedWhenUnfit(client);
        callback(error, checked, checked.release);
      });
    return new Promise<PoolClient>((resolve, reject) =>
      connect((error, client) => (error || !client ? reject(error) : resolve(closedWhenUnfit(client)))),
    );
  } as Pool['connect'];
  return pool;
}

type PoolConnectCallback = (
  error: Error | undefined,
  client: PoolClient | undefined,
  done: (release?: Error | boolean) => void,
) => void;

/** A released unfit connection is closed, not handed to the next caller. */
function closedWhenUnfit(client: PoolClient): PoolClient {
  // pg-pool gives the client a new `release` at each checkout: this wraps that one only.
  const release = client.release.bind(client);
  client.release = (error?: Error | boolean) => release(error ?? (unfit.has(client) ? true : undefined));
  return client;
}

/** Whether a statement got no answer within its pool's `queryTimeoutMs` (node-postgres says so in words). */
export function queryTimedOut(error: unknown): boolean {
  return error instanceof Error && /Query read timeout/.test(String(error));
}

/**
 * A statement that timed out was sent and may never be answered (a silent socket): the connection
 * is closed at once, so that nobody queues behind it and its holder's release drops it.
 */
function closedOnReadTimeout(client: PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const closeIfTimedOut = (error: unknown) => {
    if (!queryTimedOut(error)) return;
    unfit.add(client);
    (client as unknown as { connection: { stream: Socket } }).connection.stream.destroy();
  };
  client.query = ((...args: unknown[]) => {
    const callback = args.at(-1);
    // pg-pool's `query()` passes a callback; TypeORM awaits the promise.
    if (typeof callback === 'function') {
      args[args.length - 1] = (error: unknown, result: unknown) => {
        closeIfTimedOut(error);
        (callback as (error: unknown, result: unknown) => void)(error, result);
      };
      return query(...args);
    }
    const result = query(...args);
    if (result instanceof Promise) result.catch(closeIfTimedOut);
    return result;
  }) as PoolClient['query'];
}

/** Every statement unnamed: before PgBouncer 1.21 a transaction-mode pooler loses prepared statements. */
class UnnamedStatementClient extends Client {}
const namedQuery = Client.prototype.query as (this: Client, ...args: unknown[]) => unknown;
UnnamedStatementClient.prototype.query = function (this: Client, config: unknown, ...rest: unknown[]) {
  const named =
    typeof config === 'object' && config !== null && 'name' in config && !('submit' in config) && 'text' in config;
  return namedQuery.call(this, named ? { ...config, name: undefined } : config, ...rest);
} as Client['query'];

/** The metric registered under `name`, created on first use (as `registeredMetric`, without Nest). */
function registeredMetric<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

/** `host:port/database` of a URL, without credentials: the `database` label of pool metrics. */
export function databaseLabel(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}

const tracked = new Set<{ readonly role: PoolRole; readonly database: string; readonly pool: Pool }>();

/** Adds a pool this library does not own (e.g. the queue backend's) to the pool metrics. */
export function trackPool(entry: { readonly role: PoolRole; readonly database: string; readonly pool: Pool }): void {
  tracked.add(entry);
}

export function untrackPool(entry: { readonly role: PoolRole; readonly database: string; readonly pool: Pool }): void {
  tracked.delete(entry);
}

function poolGauge(name: string, help: string, value: (pool: Pool) => number): void {
  registeredMetric(
    name,
    () =>
      new Gauge({
        name,
        help,
        labelNames: ['pool', 'database'],
        collect() {
          this.reset();
          for (const { role, database, pool } of tracked) this.inc({ pool: role, database }, value(pool));
        },
      }),
  );
}

poolGauge('db_pool_connections_open', 'Connections the pool holds open', (pool) => pool.totalCount);
poolGauge('db_pool_connections_idle', 'Open connections of the pool that nobody uses', (pool) => pool.idleCount);
poolGauge('db_pool_connections_busy', 'Connections of the pool in use', (pool) => pool.totalCount - pool.idleCount);
poolGauge('db_pool_waiting_requests', 'Callers waiting for a connection of the pool', (pool) => pool.waitingCount);
poolGauge('db_pool_max_connections', 'The most connections the pool may open', (pool) => pool.options.max ?? 10);
