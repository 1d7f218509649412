import { LatencyHistogram, LatencySummary } from './histogram';

/** Everything the client saw of one turn, as performance.now() readings (ms). */
export interface TurnTimeline {
  conversation: number;
  turn: number;
  /** The intended send time fell inside the measured window (after the warm-up). */
  measured: boolean;
  /** When the schedule said to send: the arrival for a first turn, reply end + think time for later ones. */
  intendedAt: number;
  sentAt?: number;
  /** socket.io: the message:send ack; openai: the response headers. */
  ackAt?: number;
  tokenAt: number[];
  /** socket.io: message:done; openai: the final chunk (finish_reason). */
  doneAt?: number;
  endedAt?: number;
  usageTokens?: number;
  /** An error code from the platform (RATE_LIMITED, …) or from the client (TIMEOUT, DISCONNECTED, …). */
  error?: string;
  errorMessage?: string;
  /** The platform's own TTFT from message:done (its model call start → first token), when it reports one. */
  serverTtftMs?: number;
  messageId?: string;
  inferenceId?: string;
}

/**
 * events: one output token per streamed token event (what the client sees; right while the server emits one
 * token per event). usage: the server's own completion-token count (right once it coalesces tokens per emit).
 */
export type TokenCounting = 'events' | 'usage';

export interface TurnLatencies {
  /** How late the generator sent it: actual − intended send time. */
  lagMs: number;
  ackMs?: number;
  ttftMs?: number;
  tpotMs?: number;
  itlMs: number[];
  e2eMs: number;
  /** From the last token to the end of the reply: what the platform does after the model is done. */
  finalizeMs?: number;
  outputTokens: number;
}

/**
 * Measured from the INTENDED send time, not the actual one (the coordinated-omission correction): a stalled generator
 * would otherwise start its own stopwatch late and hide the stall. Token gaps (ITL, TPOT) do not depend on the start.
 */
export function turnLatencies(
  timeline: TurnTimeline,
  counting: TokenCounting = 'usage',
): TurnLatencies | undefined {
  const { intendedAt, sentAt, doneAt, tokenAt } = timeline;
  if (timeline.error !== undefined || sentAt === undefined || doneAt === undefined) return undefined;
  const first = tokenAt[0];
  const last = tokenAt[tokenAt.length - 1];
  const outputTokens =
    counting === 'usage' && timeline.usageTokens !== undefined ? timeline.usageTokens : tokenAt.length;
  const e2eMs = doneAt - intendedAt;
  const ttftMs = first === undefined ? undefined : first - intendedAt;
  return {
    lagMs: sentAt - intendedAt,
    ackMs: timeline.ackAt === undefined ? undefined : timeline.ackAt - intendedAt,
    ttftMs,
    // vLLM's definition: (end-to-end − TTFT) / (output tokens − 1).
    tpotMs: ttftMs !== undefined && outputTokens > 1 ? (e2eMs - ttftMs) / (outputTokens - 1) : undefined,
    itlMs: tokenAt.slice(1).map((at, i) => at - (tokenAt[i] ?? at)),
    e2eMs,
    finalizeMs: last === undefined ? undefined : doneAt - last,
    outputTokens,
  };
}

/** Latency limits a request must meet all at once to count towards goodput; an absent limit is not checked. */
export interface Slo {
  ttftMs?: number;
  tpotMs?: number;
  e2eMs?: number;
}

export function meetsSlo(latencies: TurnLatencies | undefined, slo: Slo): boolean {
  if (!latencies) return false;
  if (slo.ttftMs !== undefined && (latencies.ttftMs === undefined || latencies.ttftMs > slo.ttftMs))
    return false;
  // A one-token reply has no time per output token, so it cannot miss that limit (vLLM counts it as 0).
  if (slo.tpotMs !== undefined && (latencies.tpotMs ?? 0) > slo.tpotMs) return false;
  if (slo.e2eMs !== undefined && latencies.e2eMs > slo.e2eMs) return false;
  return true;
}

export function goodput(turns: readonly (TurnLatencies | undefined)[], slo: Slo, elapsedS: number): number {
  if (elapsedS <= 0) return 0;
  return turns.filter((t) => meetsSlo(t, slo)).length / elapsedS;
}

export interface RunFigures {
  /** Requests whose intended send time fell in the window. */
  offered: number;
  completed: number;
  good: number;
  failed: number;
  errors: Record<string, number>;
  /** The first message seen for each error code, to tell apart failures that share a code. */
  errorSamples: Record<string, string>;
  /** From the window's start to its end or to the last measured request's end, whichever is later. */
  elapsedS: number;
  offeredPerS: number;
  achievedPerS: number;
  goodputPerS: number;
  /** How far behind schedule the generator fell; max is the figure to read. */
  lag?: LatencySummary;
  latency: Record<
    'ack' | 'ttft' | 'serverTtft' | 'tpot' | 'itl' | 'e2e' | 'finalize',
    LatencySummary | undefined
  >;
  /** Failed requests, from due time to the moment the client learned of the failure. */
  timeToFailure?: LatencySummary;
  meanOutputTokens?: number;
}

/** Aggregates the measured turns as they end; nothing per token is kept beyond the pooled ITL histogram. */
export class RunMetrics {
  private readonly histograms = {
    ack: new LatencyHistogram(),
    ttft: new LatencyHistogram(),
    serverTtft: new LatencyHistogram(),
    tpot: new LatencyHistogram(),
    itl: new LatencyHistogram(),
    e2e: new LatencyHistogram(),
    finalize: new LatencyHistogram(),
  };
  private readonly lag = new LatencyHistogram();
  private readonly failures = new LatencyHistogram();
  private offered = 0;
  private completed = 0;
  private good = 0;
  private outputTokens = 0;
  private lastEndAt = 0;
  private readonly errors: Record<string, number> = {};
  private readonly errorSamples: Record<string, string> = {};

  constructor(
    private readonly slo: Slo,
    private readonly counting: TokenCounting,
  ) {}

  record(timeline: TurnTimeline): void {
    if (!timeline.measured) return;
    this.offered += 1;
    if (timeline.sentAt !== undefined) this.lag.record(timeline.sentAt - timeline.intendedAt);
    this.lastEndAt = Math.max(this.lastEndAt, timeline.endedAt ?? timeline.doneAt ?? 0);
    const latencies = turnLatencies(timeline, this.counting);
    if (!latencies) {
      const code = timeline.error ?? 'UNFINISHED';
      this.errors[code] = (this.errors[code] ?? 0) + 1;
      if (timeline.errorMessage) this.errorSamples[code] ??= timeline.errorMessage;
      if (timeline.endedAt !== undefined) this.failures.record(timeline.endedAt - timeline.intendedAt);
      return;
    }
    this.completed += 1;
    this.outputTokens += latencies.outputTokens;
    if (meetsSlo(latencies, this.slo)) this.good += 1;
    const h = this.histograms;
    if (latencies.ackMs !== undefined) h.ack.record(latencies.ackMs);
    if (latencies.ttftMs !== undefined) h.ttft.record(latencies.ttftMs);
    if (timeline.serverTtftMs !== undefined) h.serverTtft.record(timeline.serverTtftMs);
    if (latencies.tpotMs !== undefined) h.tpot.record(latencies.tpotMs);
    latencies.itlMs.forEach((gap) => h.itl.record(gap));
    h.e2e.record(latencies.e2eMs);
    if (latencies.finalizeMs !== undefined) h.finalize.record(latencies.finalizeMs);
  }

  figures(windowStartAt: number, durationMs: number): RunFigures {
    const elapsedS = Math.max(durationMs, this.lastEndAt - windowStartAt) / 1000;
    const h = this.histograms;
    return {
      offered: this.offered,
      completed: this.completed,
      good: this.good,
      failed: this.offered - this.completed,
      errors: { ...this.errors },
      errorSamples: { ...this.errorSamples },
      elapsedS,
      offeredPerS: this.offered / (durationMs / 1000),
      achievedPerS: this.completed / elapsedS,
      goodputPerS: this.good / elapsedS,
      lag: this.lag.summary(),
      latency: {
        ack: h.ack.summary(),
        ttft: h.ttft.summary(),
        serverTtft: h.serverTtft.summary(),
        tpot: h.tpot.summary(),
        itl: h.itl.summary(),
        e2e: h.e2e.summary(),
        finalize: h.finalize.summary(),
      },
      timeToFailure: this.failures.summary(),
      meanOutputTokens: this.completed > 0 ? this.outputTokens / this.completed : undefined,
    };
  }
}
