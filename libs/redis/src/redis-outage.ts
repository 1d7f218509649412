// Redis's own ways of saying "not now" (loading, failing over, out of memory...): these are outages too.
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY|OOM|MISCONF|NOREPLICAS)\b/;

/**
 * Whether a Redis failure means Redis cannot be reached or cannot serve now (the client may retry: UNAVAILABLE),
 * rather than that it refused the command it was sent (a reply error: a bug here, reported as such, never as an
 * outage). ioredis's connection, timeout and retry failures are not reply errors.
 */
export function isRedisOutage(error: unknown): boolean {
  if (error instanceof Error && error.name === 'ReplyError') return UNAVAILABLE_REPLY.test(error.message);
  return true;
}
