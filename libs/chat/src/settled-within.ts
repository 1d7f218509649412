import { setTimeout as sleep } from 'node:timers/promises';

/** Waits until every promise has settled or `ms` have passed; true if they all settled in time. */
export async function settledWithin(promises: Iterable<Promise<unknown>>, ms: number): Promise<boolean> {
  const timeout = new AbortController();
  const all = Promise.allSettled(promises).then(() => true);
  try {
    return await Promise.race([all, sleep(ms, false, { signal: timeout.signal })]);
  } finally {
    timeout.abort();
  }
}
