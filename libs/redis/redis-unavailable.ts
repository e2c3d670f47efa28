/**
 * Redis's own replies that say "not now" rather than "wrong command": full (`maxmemory` with
 * `noeviction`), loading its data after a restart, a replica or a master without its replicas
 * after a failover, a Cluster without a slot's master, a script running too long.
 */
const TRANSIENT_REPLIES = /^(OOM|LOADING|READONLY|MASTERDOWN|NOREPLICAS|CLUSTERDOWN|TRYAGAIN|BUSY)\b/;

/** What ioredis says when it has no connection to send a command on, or gave up resending it. */
const CLIENT_GAVE_UP = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
const CONNECTION_GONE = /^(Connection is closed\.|Stream isn't writeable|None of startup nodes is available)/;

/**
 * Whether an error means Redis could not take a command now (full, restarting, failing over,
 * out of reach), as opposed to a bug: worth a retry, the request itself was not wrong.
 */
export function redisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (CLIENT_GAVE_UP.has(error.name)) return true;
  return TRANSIENT_REPLIES.test(error.message) || CONNECTION_GONE.test(error.message);
}
