/**
 * Server errors after which the connection that saw them is worth nothing: the server it reached
 * is not the primary (any more, or yet) or is going away. After a failover (Patroni, or any
 * promotion of a standby), such a connection must be closed, never handed to the next caller.
 */
const CONNECTION_UNFIT_CODES = new Set([
  '25006', // read_only_sql_transaction: a standby, or a primary demoted to one
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, shutting down, in recovery
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '08007',
  // protocol_violation: also the code of every PgBouncer error (server login failing,
  // query_wait_timeout, server connection lost), after which PgBouncer closes the connection.
  '08P01',
]);

// Errors that say "the database is not there for us now", as opposed to "this query is wrong".
const UNREACHABLE_CODES = new Set([
  ...CONNECTION_UNFIT_CODES,
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '53300', // too_many_connections
]);

// The same, said by node-postgres, pg-pool and TypeORM in words rather than codes.
const UNREACHABLE_MESSAGES = new RegExp(
  [
    'Connection terminated',
    'timeout exceeded when trying to connect',
    'connection error and is not queryable',
    'Driver not Connected',
  ].join('|'),
  'i',
);

/**
 * Whether an error means the database (or a free connection to it) could not be had:
 * refused or dropped connections, a server shutting down, full or not the primary (a write
 * that reached a standby), a pool whose connections were all busy for longer than its wait
 * limit, a client whose connection broke under it, and a data source not connected yet (a
 * process listens before its database is up).
 * These are worth a retry; the request itself was not wrong.
 */
export function databaseUnreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { driverError?: { code?: unknown } }).driverError?.code ?? (error as { code?: unknown }).code;
  return (typeof code === 'string' && UNREACHABLE_CODES.has(code)) || UNREACHABLE_MESSAGES.test(String(error));
}

/** Whether a server error's SQLSTATE means the connection that got it must not be reused. */
export function connectionUnfit(code: unknown): boolean {
  return typeof code === 'string' && CONNECTION_UNFIT_CODES.has(code);
}
