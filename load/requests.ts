import type { TurnTimeline } from './metrics';

/**
 * Every request of a run, kept compact for report.json (a 60 s run at 200/s is 12k of them): one array per request
 * in the order of REQUEST_COLUMNS, times in ms from the measured window's start (negative in the warm-up), 0.1 ms
 * resolution, null where the request never got that far.
 */
export const REQUEST_COLUMNS = [
  'conversation',
  'turn',
  'measured',
  'intendedMs',
  'sentMs',
  'ackMs',
  'firstTokenMs',
  'lastTokenMs',
  'doneMs',
  'outputTokens',
  'error',
  'serverTtftMs',
  'inferenceId',
] as const;

export type RequestRow = [
  conversation: number,
  turn: number,
  /** 1: due inside the measured window, 0: warm-up. */
  measured: 0 | 1,
  intendedMs: number,
  sentMs: number | null,
  ackMs: number | null,
  firstTokenMs: number | null,
  lastTokenMs: number | null,
  doneMs: number | null,
  outputTokens: number | null,
  error: string | null,
  serverTtftMs: number | null,
  inferenceId: string | null,
];

export interface RequestTable {
  columns: typeof REQUEST_COLUMNS;
  rows: RequestRow[];
}

/** A request as the report's arithmetic reads it (the row, named). */
export interface RequestRecord {
  conversation: number;
  turn: number;
  measured: boolean;
  intendedMs: number;
  sentMs?: number;
  ackMs?: number;
  firstTokenMs?: number;
  lastTokenMs?: number;
  doneMs?: number;
  outputTokens?: number;
  error?: string;
  serverTtftMs?: number;
  inferenceId?: string;
}

const tenth = (ms: number): number => Math.round(ms * 10) / 10;

/**
 * Collects the requests as they end (the window's start is only known once the run is over, so absolute times are
 * kept and shifted at the end) and pools the token gaps into ITL buckets instead of keeping every token.
 */
export class RequestLog {
  private readonly timelines: RequestRecord[] = [];
  readonly itl: BucketCounts = new BucketCounts();

  record(timeline: TurnTimeline, counting: 'usage' | 'events'): void {
    const { tokenAt } = timeline;
    if (timeline.measured)
      for (let i = 1; i < tokenAt.length; i++) this.itl.add((tokenAt[i] ?? 0) - (tokenAt[i - 1] ?? 0));
    this.timelines.push({
      conversation: timeline.conversation,
      turn: timeline.turn,
      measured: timeline.measured,
      intendedMs: timeline.intendedAt,
      sentMs: timeline.sentAt,
      ackMs: timeline.ackAt,
      firstTokenMs: tokenAt[0],
      lastTokenMs: tokenAt[tokenAt.length - 1],
      doneMs: timeline.doneAt,
      outputTokens:
        timeline.error !== undefined
          ? undefined
          : counting === 'usage' && timeline.usageTokens !== undefined
            ? timeline.usageTokens
            : tokenAt.length,
      error: timeline.error,
      serverTtftMs: timeline.serverTtftMs,
      inferenceId: timeline.inferenceId,
    });
  }

  /** The requests with times from the window's start, in the order they were due. */
  table(windowStartAt: number): RequestTable {
    const at = (t: number | undefined): number | null => (t === undefined ? null : tenth(t - windowStartAt));
    const rows = [...this.timelines]
      .sort((a, b) => a.intendedMs - b.intendedMs)
      .map((r): RequestRow => [
        r.conversation,
        r.turn,
        r.measured ? 1 : 0,
        tenth(r.intendedMs - windowStartAt),
        at(r.sentMs),
        at(r.ackMs),
        at(r.firstTokenMs),
        at(r.lastTokenMs),
        at(r.doneMs),
        r.outputTokens ?? null,
        r.error ?? null,
        r.serverTtftMs === undefined ? null : tenth(r.serverTtftMs),
        r.inferenceId ?? null,
      ]);
    return { columns: REQUEST_COLUMNS, rows };
  }
}

export function fromRow(row: RequestRow): RequestRecord {
  const [conversation, turn, measured, intendedMs, sentMs, ackMs, firstTokenMs, lastTokenMs, doneMs] = row;
  const [outputTokens, error, serverTtftMs, inferenceId] = row.slice(9) as [
    number | null,
    string | null,
    number | null,
    string | null,
  ];
  const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);
  return {
    conversation,
    turn,
    measured: measured === 1,
    intendedMs,
    sentMs: opt(sentMs),
    ackMs: opt(ackMs),
    firstTokenMs: opt(firstTokenMs),
    lastTokenMs: opt(lastTokenMs),
    doneMs: opt(doneMs),
    outputTokens: opt(outputTokens),
    error: opt(error),
    serverTtftMs: opt(serverTtftMs),
    inferenceId: opt(inferenceId),
  };
}

/**
 * Upper bucket edges in ms, six per decade (1, 1.5, 2, 3, 5, 7) from 0.1 ms to 700 s: any latency of a run fits, and
 * a run's latencies (mostly within one decade or two) still spread over enough bars to show a shape.
 */
export const BUCKET_EDGES_MS: readonly number[] = [-1, 0, 1, 2, 3, 4, 5].flatMap((e) =>
  [1, 1.5, 2, 3, 5, 7].map((m) => Number((m * 10 ** e).toPrecision(2))),
);

/** Counts per BUCKET_EDGES_MS bucket (a value goes in the first bucket whose edge is ≥ it; beyond the last, the last). */
export class BucketCounts {
  readonly counts: number[] = BUCKET_EDGES_MS.map(() => 0);

  add(ms: number): void {
    const index = BUCKET_EDGES_MS.findIndex((edge) => ms <= edge);
    const at = index === -1 ? this.counts.length - 1 : index;
    this.counts[at] = (this.counts[at] ?? 0) + 1;
  }

  static of(values: readonly number[]): BucketCounts {
    const buckets = new BucketCounts();
    values.forEach((v) => buckets.add(v));
    return buckets;
  }
}
