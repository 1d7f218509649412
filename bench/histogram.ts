import { createHistogram, RecordableHistogram } from 'node:perf_hooks';

/** Node's built-in HDR histogram, recording milliseconds with microsecond resolution. */
export class LatencyHistogram {
  private readonly histogram: RecordableHistogram = createHistogram();

  record(ms: number): void {
    this.histogram.record(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.histogram.count;
  }

  summary(): Record<string, string> {
    const at = (p: number) => (this.histogram.percentile(p) / 1000).toFixed(2);
    return {
      n: String(this.histogram.count),
      p50: at(50),
      p90: at(90),
      p99: at(99),
      'p99.9': at(99.9),
      max: (this.histogram.max / 1000).toFixed(2),
    };
  }
}

export function printTable(title: string, rows: Record<string, Record<string, string>>): void {
  console.log(`\n${title}`);
  console.table(rows);
}
