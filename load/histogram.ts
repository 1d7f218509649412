import { createHistogram, RecordableHistogram } from 'node:perf_hooks';

export interface LatencySummary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  'p99.9': number;
  max: number;
}

export const PERCENTILES = ['p50', 'p90', 'p99', 'p99.9'] as const;

/**
 * Node's built-in HDR histogram recording milliseconds at microsecond resolution, as bench/histogram.ts does,
 * but summarised as numbers so the JSON report carries figures rather than strings.
 */
export class LatencyHistogram {
  private readonly histogram: RecordableHistogram = createHistogram();

  record(ms: number): void {
    // The HDR histogram takes positive integers only: sub-microsecond values count as 1 µs.
    this.histogram.record(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.histogram.count;
  }

  summary(): LatencySummary | undefined {
    if (this.histogram.count === 0) return undefined;
    const at = (p: number): number => round(this.histogram.percentile(p) / 1000);
    return {
      n: this.histogram.count,
      p50: at(50),
      p90: at(90),
      p99: at(99),
      'p99.9': at(99.9),
      max: round(this.histogram.max / 1000),
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
