/** The arithmetic of the connection scenarios, apart from any socket so that it can be tested on known inputs. */

const round2 = (value: number): number => Math.round(value * 100) / 100;

/**
 * Bytes of api RSS each held connection costs: the growth from before the first connection to the end of the hold,
 * over the connections open then. Undefined with no connection or no reading. RSS also moves with garbage collection
 * and allocator caching, so the figure is meaningful for thousands of connections, not for ten.
 */
export function memoryPerConnection(
  rssBeforeBytes: number | undefined,
  rssAfterBytes: number | undefined,
  connections: number,
): number | undefined {
  if (rssBeforeBytes === undefined || rssAfterBytes === undefined || connections <= 0) return undefined;
  return Math.round((rssAfterBytes - rssBeforeBytes) / connections);
}

export interface IdleCpu {
  /** CPU milliseconds the api used per second of the window (1000 = one whole core). */
  msPerS: number;
  /** The same, per 1,000 connections held. */
  msPerSPer1k?: number;
}

/** The api's CPU over a window from two readings of its ticks (1/100 s each), undefined without both. */
export function idleCpu(
  ticksBefore: number | undefined,
  ticksAfter: number | undefined,
  windowMs: number,
  connections: number,
): IdleCpu | undefined {
  if (ticksBefore === undefined || ticksAfter === undefined || windowMs <= 0) return undefined;
  const msPerS = (((ticksAfter - ticksBefore) * 10) / windowMs) * 1000;
  return {
    msPerS: round2(msPerS),
    msPerSPer1k: connections > 0 ? round2(msPerS / (connections / 1000)) : undefined,
  };
}

/**
 * How long after the drop the given shares of `total` connections were back: the time of the ⌈share × total⌉-th
 * reconnection, null when fewer than that came back.
 */
export function timeToShares(
  reconnectMs: readonly number[],
  total: number,
  shares: readonly number[],
): { share: number; ms: number | null }[] {
  const sorted = [...reconnectMs].sort((a, b) => a - b);
  return shares.map((share) => {
    const needed = Math.max(1, Math.ceil(share * total));
    const at = sorted[needed - 1];
    return { share, ms: at === undefined ? null : round2(at) };
  });
}

/** Adds one to a count by key: errors by code, outcomes by kind. */
export function tally(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  const abs = Math.abs(bytes);
  if (abs >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (abs >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** The storm's curve, [ms after the drop, connections back by then], thinned to about `maxPoints` points. */
export function reconnectCurve(reconnectMs: readonly number[], maxPoints = 400): [number, number][] {
  const sorted = [...reconnectMs].sort((a, b) => a - b);
  const step = Math.max(1, Math.ceil(sorted.length / maxPoints));
  const points: [number, number][] = [[0, 0]];
  sorted.forEach((ms, i) => {
    if ((i + 1) % step === 0 || i === sorted.length - 1) points.push([round2(ms), i + 1]);
  });
  return points;
}
