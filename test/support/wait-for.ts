import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` until it holds; fails with `what` once `timeoutMs` has passed. */
export async function waitFor(
  check: () => Promise<boolean>,
  what = 'the condition',
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
