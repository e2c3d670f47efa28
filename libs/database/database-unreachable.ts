// Errors that say "the database is not there for us now", as opposed to "this query is wrong".
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08006',
]);

/**
 * Whether an error means the database (or a free connection to it) could not be had:
 * refused or dropped connections, a server shutting down or full, and a pool whose
 * connections were all busy for longer than its wait limit, and a data source not connected
 * yet (a process listens before its database is up). These are worth a retry; the request
 * itself was not wrong.
 */
export function databaseUnreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { driverError?: { code?: unknown } }).driverError?.code ?? (error as { code?: unknown }).code;
  return (
    (typeof code === 'string' && UNREACHABLE_CODES.has(code)) ||
    /Connection terminated|timeout exceeded when trying to connect|Driver not Connected/i.test(String(error))
  );
}
