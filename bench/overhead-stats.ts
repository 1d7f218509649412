// Pure helpers of bench/private-chat.bench.ts: exact percentiles of a small sample and the Markdown it prints.

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * Nearest-rank percentile (the smallest value with at least p% of the sample at or below it). With a few hundred
 * samples an exact rank is cheaper and clearer than a histogram's buckets; no interpolation invents values.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number): number => round(percentile(sorted, p));
  return {
    n: sorted.length,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
}

/** Each percentile of `b` minus the same percentile of `a` (not a per-request difference: the arms are not paired). */
export function difference(a: Summary, b: Summary): Omit<Summary, 'n'> {
  return {
    p50: round(b.p50 - a.p50),
    p90: round(b.p90 - a.p90),
    p99: round(b.p99 - a.p99),
    max: round(b.max - a.max),
  };
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
