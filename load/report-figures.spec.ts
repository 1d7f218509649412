import {
  byTurn,
  knownModelTtftMs,
  countsOverTime,
  modelPlatformSplit,
  overTime,
  percentile,
  percentiles,
  ttftOf,
} from './report-figures';
import type { RequestRecord } from './requests';

/** A completed request due at `at` ms from the window's start, first token after `ttft` ms, done after `e2e` ms. */
const done = (at: number, ttft: number, e2e: number, extra: Partial<RequestRecord> = {}): RequestRecord => ({
  conversation: 0,
  turn: 0,
  measured: at >= 0,
  intendedMs: at,
  sentMs: at,
  ackMs: at + 1,
  firstTokenMs: at + ttft,
  lastTokenMs: at + e2e - 1,
  doneMs: at + e2e,
  outputTokens: 10,
  ...extra,
});

describe('percentile (nearest rank)', () => {
  it('takes the smallest value with at least p% at or below it', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 90)).toBe(9);
    expect(percentile(sorted, 99)).toBe(10);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('sorts before it ranks', () => {
    expect(percentiles([30, 10, 20])).toEqual({ n: 3, p50: 20, p99: 30 });
    expect(percentiles([])).toBeUndefined();
  });
});

describe('overTime', () => {
  it('puts each request in the 1 s bucket it was due in and takes p50/p99 per bucket', () => {
    const records = [
      done(-900, 50, 100), // warm-up: bucket −1 s
      done(0, 10, 100),
      done(400, 20, 100),
      done(999.9, 30, 100),
      done(1000, 200, 300), // a second bucket starts exactly at 1000 ms
      done(2500, 5, 10),
    ];
    expect(overTime(records, ttftOf)).toEqual([
      { startS: -1, n: 1, p50: 50, p99: 50 },
      { startS: 0, n: 3, p50: 20, p99: 30 },
      { startS: 1, n: 1, p50: 200, p99: 200 },
      { startS: 2, n: 1, p50: 5, p99: 5 },
    ]);
  });

  it('leaves out failed requests and empty buckets, and honours another bucket width', () => {
    const records = [
      done(0, 10, 20),
      done(100, 99, 120, { error: 'TIMEOUT', doneMs: undefined }),
      done(5100, 40, 50),
    ];
    expect(overTime(records, ttftOf, 5000)).toEqual([
      { startS: 0, n: 1, p50: 10, p99: 10 },
      { startS: 5, n: 1, p50: 40, p99: 40 },
    ]);
  });

  it('counts due, completed and failed requests per bucket', () => {
    const records = [
      done(10, 1, 2),
      done(20, 1, 2, { error: 'RATE_LIMITED', doneMs: undefined }),
      done(1500, 1, 2),
    ];
    expect(countsOverTime(records)).toEqual([
      { startS: 0, due: 2, completed: 1, failed: 1 },
      { startS: 1, due: 1, completed: 1, failed: 0 },
    ]);
  });
});

describe('byTurn', () => {
  it('gives TTFT and end to end per turn number, measured requests only', () => {
    const records = [
      done(0, 10, 50, { turn: 0 }),
      done(100, 30, 70, { turn: 1 }),
      done(200, 50, 90, { turn: 1 }),
      done(-100, 999, 999, { turn: 0 }), // warm-up: not counted
    ];
    expect(byTurn(records)).toEqual([
      { turn: 0, ttft: { n: 1, p50: 10, p99: 10 }, e2e: { n: 1, p50: 50, p99: 50 } },
      { turn: 1, ttft: { n: 2, p50: 30, p99: 50 }, e2e: { n: 2, p50: 70, p99: 90 } },
    ]);
  });
});

describe('modelPlatformSplit', () => {
  it('splits TTFT into the server-reported model part and the platform part', () => {
    // Client TTFT 100 and 200; the model reported 60 and 40: the platform added 40 and 160.
    const records = [
      done(0, 100, 300, { serverTtftMs: 60, firstTokenMs: 100, lastTokenMs: 250, doneMs: 300 }),
      done(10, 200, 400, { serverTtftMs: 40, firstTokenMs: 210, lastTokenMs: 310, doneMs: 410 }),
    ];
    const split = modelPlatformSplit(records);
    expect(split.source).toBe('server');
    expect(split.withServerTtft).toBe(2);
    expect(split.completed).toBe(2);
    expect(split.ttft?.total).toEqual({ n: 2, p50: 100, p99: 200 });
    expect(split.ttft?.model).toEqual({ n: 2, p50: 40, p99: 60 });
    expect(split.ttft?.platform).toEqual({ n: 2, p50: 40, p99: 160 });
    // Summed: model 100 of 300 ms of TTFT.
    expect(split.ttft?.modelShare).toBeCloseTo(1 / 3);
    // End to end: model = its TTFT + first → last token: 60 + 150 = 210 of 300; 40 + 100 = 140 of 400.
    expect(split.e2e?.model).toEqual({ n: 2, p50: 140, p99: 210 });
    expect(split.e2e?.platform).toEqual({ n: 2, p50: 90, p99: 260 });
    expect(split.e2e?.modelShare).toBeCloseTo(350 / 700);
  });

  it('gives the zero-latency model ~0 and the platform everything', () => {
    const split = modelPlatformSplit([
      done(0, 12, 12, { serverTtftMs: 0, firstTokenMs: 12, lastTokenMs: 12 }),
    ]);
    expect(split.ttft?.modelShare).toBe(0);
    expect(split.ttft?.platform).toEqual({ n: 1, p50: 12, p99: 12 });
  });

  it('has no TTFT split when the server reports no TTFT, and leaves out failures and the warm-up', () => {
    const split = modelPlatformSplit([
      done(0, 10, 50),
      done(5, 10, 50, { error: 'TIMEOUT', doneMs: undefined, serverTtftMs: 3 }),
      done(-5, 10, 50, { serverTtftMs: 3 }),
    ]);
    expect(split.source).toBe('none');
    expect(split.ttft).toBeUndefined();
    expect(split.withServerTtft).toBe(0);
    expect(split.completed).toBe(1);
    // Model part of e2e without a server TTFT: first → last token only (10 → 49).
    expect(split.e2e?.model).toEqual({ n: 1, p50: 39, p99: 39 });
  });
});

describe('the model TTFT known from the model id', () => {
  it('is 0 for the plain embedded model, the profile TTFT for a paced one, unknown for other models', () => {
    expect(knownModelTtftMs('embedded')).toBe(0);
    expect(knownModelTtftMs('embedded:local')).toBe(150);
    expect(knownModelTtftMs('embedded:ttft=300,tps=40')).toBe(300);
    expect(knownModelTtftMs('embedded:nonsense')).toBeUndefined();
    expect(knownModelTtftMs('gpt-4o-mini')).toBeUndefined();
    expect(knownModelTtftMs(undefined)).toBeUndefined();
  });

  it("takes the model's part from the profile, and still shows the server's TTFT and what came before it", () => {
    // Client TTFT 200; the server says 180 from the reply start; the profile says the model waited 150.
    const split = modelPlatformSplit(
      [done(0, 200, 500, { serverTtftMs: 180, firstTokenMs: 200, lastTokenMs: 450, doneMs: 500 })],
      150,
    );
    expect(split.source).toBe('profile');
    expect(split.ttft?.model.p50).toBe(150);
    expect(split.ttft?.platform.p50).toBe(50);
    expect(split.serverTtft?.p50).toBe(180);
    expect(split.beforeReply?.p50).toBe(20);
    // End to end: 150 + (450 − 200) = 400 of 500.
    expect(split.e2e?.model.p50).toBe(400);
    expect(split.e2e?.modelShare).toBeCloseTo(0.8);
  });
});
