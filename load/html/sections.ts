/** What a report page is made of (load/html/page.ts renders them as one self-contained HTML page with inline SVG). */
export type HtmlSection =
  /** A paragraph of plain text (escaped; blank lines separate paragraphs). */
  | { kind: 'text'; title?: string; text: string }
  | { kind: 'table'; title: string; columns: string[]; rows: (string | number | null)[][] }
  /** Lines over a shared x axis, e.g. latency percentiles over time or a sweep's offered → achieved curve. */
  | {
      kind: 'lines';
      title: string;
      xLabel: string;
      yLabel: string;
      series: { name: string; points: [number, number][] }[];
      /** Log scale on y (latencies spanning ms to s). */
      logY?: boolean;
    }
  /** Bars with labels, e.g. a latency histogram's buckets or CPU ms per message by process. */
  | { kind: 'bars'; title: string; xLabel: string; yLabel: string; bars: { label: string; value: number }[] };
