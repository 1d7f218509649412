/** `GET /v1/inferences/:id`, the fields a proof watcher reads. */
export interface InferenceStatus {
  id: string;
  status: string;
  batch?: { txHash?: string; blockNumber?: number } | null;
  error?: string | null;
}

export interface ProofUpdate {
  status: string;
  inference: InferenceStatus;
}

export interface WatchOptions {
  /** Stop once the proof reaches this status. */
  until?: string;
  timeoutMs?: number;
  intervalMs?: number;
}

/** Statuses a proof does not leave: waiting on is pointless. */
const FINAL_STATUSES = new Set(['anchored', 'failed', 'unverified', 'disputed']);

/**
 * Yields each change of the proof's status (the first read included) until `until` or a final status is reached or
 * the time is up; the caller decides what a timeout means (the reply was already verified).
 */
export async function* watchStatus(
  read: () => Promise<InferenceStatus>,
  options: WatchOptions & { now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
): AsyncGenerator<ProofUpdate> {
  const until = options.until ?? 'anchored';
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 1_000;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + timeoutMs;
  let last: string | undefined;
  for (;;) {
    const inference = await read();
    if (inference.status !== last) {
      last = inference.status;
      yield { status: inference.status, inference };
    }
    if (inference.status === until || FINAL_STATUSES.has(inference.status)) return;
    const left = deadline - now();
    if (left <= 0) return;
    await sleep(Math.min(intervalMs, left));
  }
}
