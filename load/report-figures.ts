import { parseLatencyProfile } from '@app/inference/latency-profile';
import type { RequestRecord } from './requests';

/**
 * The report's arithmetic over the per-request records: percentiles per time bucket, latency by turn, and the split
 * of each reply's latency into what the model took and what the platform (and the network) added. Latencies are
 * from the intended send time, as in metrics.ts, so the figures here agree with the summary table.
 */

export interface Percentiles {
  n: number;
  p50: number;
  p99: number;
}

/** Nearest rank: the smallest value with at least p% of the values at or below it (no interpolation). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? NaN;
}

export function percentiles(values: readonly number[]): Percentiles | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  // Differences of 0.1 ms readings carry float noise (30.000000000000114): two decimals are all a report shows.
  const at = (p: number): number => Math.round(percentile(sorted, p) * 100) / 100;
  return { n: sorted.length, p50: at(50), p99: at(99) };
}

/** A request that ended with its reply: the ones whose latencies count (failures are counted apart). */
export const completed = (r: RequestRecord): boolean => r.error === undefined && r.doneMs !== undefined;

export const ttftOf = (r: RequestRecord): number | undefined =>
  completed(r) && r.firstTokenMs !== undefined ? r.firstTokenMs - r.intendedMs : undefined;
export const ackOf = (r: RequestRecord): number | undefined =>
  completed(r) && r.ackMs !== undefined ? r.ackMs - r.intendedMs : undefined;
export const e2eOf = (r: RequestRecord): number | undefined =>
  completed(r) && r.doneMs !== undefined ? r.doneMs - r.intendedMs : undefined;

export interface TimeBucket extends Percentiles {
  /** The bucket's start, seconds from the measured window's start (negative in the warm-up). */
  startS: number;
}

/**
 * p50/p99 of a latency per time bucket, by when each request was due (so a stall shows at the moment it hit, not
 * when its victims finished). Buckets without a value are left out rather than drawn as zero.
 */
export function overTime(
  records: readonly RequestRecord[],
  latency: (r: RequestRecord) => number | undefined,
  bucketMs = 1000,
): TimeBucket[] {
  const buckets = new Map<number, number[]>();
  for (const r of records) {
    const value = latency(r);
    if (value === undefined) continue;
    const index = Math.floor(r.intendedMs / bucketMs);
    const bucket = buckets.get(index) ?? [];
    bucket.push(value);
    buckets.set(index, bucket);
  }
  return [...buckets]
    .sort(([a], [b]) => a - b)
    .map(([index, values]) => ({
      startS: (index * bucketMs) / 1000,
      ...(percentiles(values) as Percentiles),
    }));
}

/** Requests due, completed and failed per time bucket (by due time). */
export function countsOverTime(
  records: readonly RequestRecord[],
  bucketMs = 1000,
): { startS: number; due: number; completed: number; failed: number }[] {
  const buckets = new Map<number, { due: number; completed: number; failed: number }>();
  for (const r of records) {
    const index = Math.floor(r.intendedMs / bucketMs);
    const bucket = buckets.get(index) ?? { due: 0, completed: 0, failed: 0 };
    bucket.due += 1;
    if (completed(r)) bucket.completed += 1;
    else bucket.failed += 1;
    buckets.set(index, bucket);
  }
  return [...buckets]
    .sort(([a], [b]) => a - b)
    .map(([index, c]) => ({ startS: (index * bucketMs) / 1000, ...c }));
}

/** TTFT and end-to-end by turn number: in a long conversation the prompt and the history read grow with each turn. */
export function byTurn(
  records: readonly RequestRecord[],
): { turn: number; ttft?: Percentiles; e2e?: Percentiles }[] {
  const turns = [...new Set(records.filter((r) => r.measured).map((r) => r.turn))].sort((a, b) => a - b);
  return turns.map((turn) => {
    const these = records.filter((r) => r.measured && r.turn === turn);
    const values = (f: (r: RequestRecord) => number | undefined): number[] =>
      these.map(f).filter((v): v is number => v !== undefined);
    return { turn, ttft: percentiles(values(ttftOf)), e2e: percentiles(values(e2eOf)) };
  });
}

export interface SplitPart {
  total: Percentiles;
  model: Percentiles;
  platform: Percentiles;
  /** The model's share of the summed latency of these requests, 0..1 (percentiles do not add up; sums do). */
  modelShare: number;
}

/**
 * Where the model's own TTFT comes from. profile: the embedded model's latency profile, known from the persona's
 * model id (it waits exactly that long). server: the server's timings.ttftMs, which runs from the reply's start
 * (before the prompt, the history and the routing) to the first token, so it is an upper bound on the model's part.
 */
export type ModelTtftSource = 'profile' | 'server' | 'none';

export interface ModelPlatformSplit {
  source: ModelTtftSource;
  /** TTFT: the model's part (by source) and the rest: queueing, auth, history, routing, the socket, the network. */
  ttft?: SplitPart;
  /**
   * End to end: the model's part is its TTFT (by source; 0 where none is known) plus first token → last token as the
   * client saw it; the rest (before the first token and after the last) is platform + network.
   */
  e2e?: SplitPart;
  /** The server's timings.ttftMs (reply start → first token), where it reports one. */
  serverTtft?: Percentiles;
  /** Client TTFT − the server's TTFT: what passed before the reply even started (socket, auth, queue, network). */
  beforeReply?: Percentiles;
  /** Completed measured requests the server reported a TTFT for, of all completed measured requests. */
  withServerTtft: number;
  completed: number;
}

/**
 * The embedded model's TTFT by construction, from a persona's model id: `embedded:ttft=300,tps=40`, a built-in
 * profile (`embedded:local`), or plain `embedded`, which is instant unless the server's EMBEDDED_LATENCY says
 * otherwise (its default). Undefined for any other model: only the server can tell how long that one took.
 */
export function knownModelTtftMs(modelId: string | undefined): number | undefined {
  if (modelId === 'embedded') return 0;
  if (!modelId?.startsWith('embedded:')) return undefined;
  return parseLatencyProfile(modelId.slice('embedded:'.length))?.ttftMs;
}

function part(pairs: readonly { total: number; model: number }[]): SplitPart | undefined {
  if (pairs.length === 0) return undefined;
  const sum = (f: (p: { total: number; model: number }) => number): number =>
    pairs.reduce((s, p) => s + f(p), 0);
  const totalSum = sum((p) => p.total);
  return {
    total: percentiles(pairs.map((p) => p.total)) as Percentiles,
    model: percentiles(pairs.map((p) => p.model)) as Percentiles,
    platform: percentiles(pairs.map((p) => p.total - p.model)) as Percentiles,
    modelShare: totalSum > 0 ? sum((p) => p.model) / totalSum : 0,
  };
}

export function modelPlatformSplit(
  records: readonly RequestRecord[],
  knownModelTtft?: number,
): ModelPlatformSplit {
  const done = records.filter((r) => r.measured && completed(r));
  const withServer = done.filter((r) => r.serverTtftMs !== undefined);
  const source: ModelTtftSource =
    knownModelTtft !== undefined ? 'profile' : withServer.length > 0 ? 'server' : 'none';
  const modelTtft = (r: RequestRecord): number | undefined =>
    source === 'profile' ? knownModelTtft : r.serverTtftMs;
  const ttft: { total: number; model: number }[] = [];
  const e2e: { total: number; model: number }[] = [];
  const serverTtft: number[] = [];
  const beforeReply: number[] = [];
  for (const r of done) {
    const clientTtft = ttftOf(r);
    const total = e2eOf(r);
    const model = modelTtft(r);
    if (clientTtft !== undefined && model !== undefined) ttft.push({ total: clientTtft, model });
    if (total !== undefined && r.firstTokenMs !== undefined && r.lastTokenMs !== undefined)
      e2e.push({ total, model: (model ?? 0) + (r.lastTokenMs - r.firstTokenMs) });
    if (r.serverTtftMs !== undefined) {
      serverTtft.push(r.serverTtftMs);
      if (clientTtft !== undefined) beforeReply.push(clientTtft - r.serverTtftMs);
    }
  }
  return {
    source,
    ttft: part(ttft),
    e2e: part(e2e),
    serverTtft: percentiles(serverTtft),
    beforeReply: percentiles(beforeReply),
    withServerTtft: withServer.length,
    completed: done.length,
  };
}
