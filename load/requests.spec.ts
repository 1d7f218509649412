import { jsonText } from './json-text';
import type { TurnTimeline } from './metrics';
import { BucketCounts, BUCKET_EDGES_MS, fromRow, RequestLog } from './requests';

const timeline = (overrides: Partial<TurnTimeline>): TurnTimeline => ({
  conversation: 3,
  turn: 1,
  measured: true,
  intendedAt: 1010,
  sentAt: 1010.04,
  ackAt: 1015,
  tokenAt: [1020, 1030, 1050],
  doneAt: 1052.26,
  endedAt: 1053,
  usageTokens: 7,
  serverTtftMs: 4.44,
  inferenceId: 'inf-1',
  ...overrides,
});

describe('RequestLog', () => {
  it('keeps each request as one compact row, times in ms from the window start at 0.1 ms', () => {
    const log = new RequestLog();
    log.record(timeline({}), 'usage');
    log.record(
      timeline({
        conversation: 1,
        turn: 0,
        measured: false,
        intendedAt: 900,
        tokenAt: [],
        doneAt: undefined,
        ackAt: undefined,
        error: 'RATE_LIMITED',
        serverTtftMs: undefined,
        inferenceId: undefined,
      }),
      'usage',
    );
    const table = log.table(1000);
    expect(table.columns[3]).toBe('intendedMs');
    // Sorted by due time: the warm-up request (−100 ms) first.
    expect(table.rows).toEqual([
      [1, 0, 0, -100, 10, null, null, null, null, null, 'RATE_LIMITED', null, null],
      [3, 1, 1, 10, 10, 15, 20, 50, 52.3, 7, null, 4.4, 'inf-1'],
    ]);
    expect(fromRow(table.rows[1])).toMatchObject({
      conversation: 3,
      measured: true,
      firstTokenMs: 20,
      error: undefined,
    });
  });

  it('counts output tokens as streamed events when told to, and pools measured token gaps into ITL buckets', () => {
    const log = new RequestLog();
    log.record(timeline({}), 'events');
    log.record(timeline({ measured: false, tokenAt: [0, 500] }), 'events');
    expect(log.table(0).rows.map((r) => r[9])).toEqual([3, 2]);
    // The measured request's gaps: 10 and 20 ms; the warm-up's 500 ms gap is not counted.
    const counts = log.itl.counts;
    expect(counts[BUCKET_EDGES_MS.indexOf(10)]).toBe(1);
    expect(counts[BUCKET_EDGES_MS.indexOf(20)]).toBe(1);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('writes 12k requests one line each', () => {
    const log = new RequestLog();
    for (let i = 0; i < 12_000; i++) log.record(timeline({ conversation: i, intendedAt: 1000 + i }), 'usage');
    const text = jsonText({ requests: log.table(1000) });
    expect(text.split('\n').length).toBeLessThan(12_000 + 30);
    expect((JSON.parse(text) as { requests: { rows: unknown[] } }).requests.rows).toHaveLength(12_000);
  });
});

describe('BucketCounts', () => {
  it('puts a value in the first bucket whose upper edge is at or above it', () => {
    const buckets = BucketCounts.of([0, 0.1, 0.16, 1, 1.01, 9_999_999]);
    const at = (edge: number): number => buckets.counts[BUCKET_EDGES_MS.indexOf(edge)] ?? -1;
    expect(BUCKET_EDGES_MS.slice(0, 7)).toEqual([0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1]);
    expect(at(0.1)).toBe(2);
    expect(at(0.2)).toBe(1);
    expect(at(1)).toBe(1);
    expect(at(1.5)).toBe(1);
    // Beyond the last edge: the last bucket.
    expect(buckets.counts[buckets.counts.length - 1]).toBe(1);
  });
});

describe('jsonText', () => {
  it('reads back as the same value, with arrays of plain values on one line', () => {
    const value = { a: 1, b: [1, 'x', null], c: [{ d: [2, 3] }], e: undefined, f: {} };
    const text = jsonText(value);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
    expect(text).toContain('"b": [1,"x",null]');
    expect(text).toContain('"d": [2,3]');
  });
});
