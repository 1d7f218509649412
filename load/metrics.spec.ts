import { goodput, meetsSlo, RunMetrics, turnLatencies, TurnTimeline } from './metrics';

function turn(overrides: Partial<TurnTimeline>): TurnTimeline {
  return { conversation: 0, turn: 0, measured: true, intendedAt: 0, tokenAt: [], ...overrides };
}

describe('turnLatencies (coordinated-omission correction)', () => {
  it('measures from when the turn was due, not from when a late generator sent it', () => {
    // Due at 1000, but the generator stalled and only sent at 1800; the platform itself took 5 ms to the first token.
    const latencies = turnLatencies(
      turn({ intendedAt: 1000, sentAt: 1800, ackAt: 1803, tokenAt: [1805, 1815, 1835], doneAt: 1840 }),
    );
    expect(latencies).toEqual({
      lagMs: 800,
      ackMs: 803,
      ttftMs: 805,
      tpotMs: (840 - 805) / 2,
      itlMs: [10, 20],
      e2eMs: 840,
      finalizeMs: 5,
      outputTokens: 3,
    });
  });

  it('leaves token gaps alone: they do not depend on when the clock started', () => {
    const onTime = turnLatencies(turn({ intendedAt: 0, sentAt: 0, tokenAt: [5, 15, 35], doneAt: 40 }));
    const late = turnLatencies(turn({ intendedAt: 0, sentAt: 500, tokenAt: [505, 515, 535], doneAt: 540 }));
    expect(late?.itlMs).toEqual(onTime?.itlMs);
    expect(late?.tpotMs).toBe(onTime?.tpotMs);
    expect((late?.ttftMs ?? 0) - (onTime?.ttftMs ?? 0)).toBe(500);
  });

  it('counts output tokens from the server usage when asked, and has no TPOT for a one-token reply', () => {
    const t = turn({ sentAt: 0, tokenAt: [10, 20], doneAt: 30, usageTokens: 5 });
    expect(turnLatencies(t, 'usage')?.tpotMs).toBe((30 - 10) / 4);
    expect(turnLatencies(t, 'events')?.tpotMs).toBe(30 - 10);
    expect(turnLatencies(turn({ sentAt: 0, tokenAt: [10], doneAt: 12 }))?.tpotMs).toBeUndefined();
  });

  it('gives nothing for a failed or unfinished turn', () => {
    expect(turnLatencies(turn({ sentAt: 0, error: 'RATE_LIMITED', endedAt: 3 }))).toBeUndefined();
    expect(turnLatencies(turn({ sentAt: 0, tokenAt: [4] }))).toBeUndefined();
  });
});

describe('goodput', () => {
  const slo = { ttftMs: 500, tpotMs: 40 };
  const ok = turnLatencies(turn({ sentAt: 0, tokenAt: [100, 120, 140], doneAt: 150 }));
  const slowStart = turnLatencies(turn({ sentAt: 0, tokenAt: [600, 610], doneAt: 620 }));
  const slowTokens = turnLatencies(turn({ sentAt: 0, tokenAt: [100, 200], doneAt: 300 }));

  it('counts only requests that meet every limit at once', () => {
    expect(meetsSlo(ok, slo)).toBe(true);
    expect(meetsSlo(slowStart, slo)).toBe(false);
    expect(meetsSlo(slowTokens, slo)).toBe(false);
    expect(meetsSlo(undefined, slo)).toBe(false);
    expect(goodput([ok, slowStart, slowTokens, undefined, ok], slo, 2)).toBe(1);
  });

  it('ignores a limit that is not set, and checks end-to-end when it is', () => {
    expect(meetsSlo(slowTokens, { ttftMs: 500 })).toBe(true);
    expect(meetsSlo(ok, { e2eMs: 100 })).toBe(false);
    expect(meetsSlo(ok, {})).toBe(true);
  });
});

describe('RunMetrics', () => {
  it('reports offered, achieved and goodput over the window, errors by code, and skips the warm-up', () => {
    const metrics = new RunMetrics({ ttftMs: 500 }, 'events');
    const windowStart = 10_000;
    const at = (ms: number) => windowStart + ms;
    metrics.record(turn({ measured: false, intendedAt: 0, sentAt: 0, error: 'TIMEOUT', endedAt: 1 }));
    metrics.record(
      turn({ intendedAt: at(0), sentAt: at(0), tokenAt: [at(100)], doneAt: at(110), endedAt: at(110) }),
    );
    metrics.record(
      turn({ intendedAt: at(10), sentAt: at(10), tokenAt: [at(900)], doneAt: at(950), endedAt: at(950) }),
    );
    metrics.record(
      turn({
        intendedAt: at(20),
        sentAt: at(20),
        error: 'RATE_LIMITED',
        errorMessage: 'wait 3 s',
        endedAt: at(25),
      }),
    );
    metrics.record(turn({ intendedAt: at(30), sentAt: at(30), error: 'RATE_LIMITED', endedAt: at(31) }));
    const figures = metrics.figures(windowStart, 2000);
    expect(figures).toMatchObject({
      offered: 4,
      completed: 2,
      good: 1,
      failed: 2,
      errors: { RATE_LIMITED: 2 },
      elapsedS: 2,
      offeredPerS: 2,
      achievedPerS: 1,
      goodputPerS: 0.5,
    });
    expect(figures.errorSamples).toEqual({ RATE_LIMITED: 'wait 3 s' });
    expect(figures.timeToFailure?.max).toBeCloseTo(5, 0);
    expect(figures.latency.ttft?.n).toBe(2);
    expect(figures.latency.ttft?.max).toBeCloseTo(890, 0);
  });

  it('stretches the elapsed time when measured requests end after the window', () => {
    const metrics = new RunMetrics({}, 'events');
    metrics.record(turn({ intendedAt: 0, sentAt: 0, tokenAt: [10], doneAt: 4000, endedAt: 4000 }));
    const figures = metrics.figures(0, 1000);
    expect(figures.elapsedS).toBe(4);
    expect(figures.offeredPerS).toBe(1);
    expect(figures.achievedPerS).toBe(0.25);
  });

  it('records how far behind schedule the generator fell', () => {
    const metrics = new RunMetrics({}, 'events');
    metrics.record(turn({ intendedAt: 0, sentAt: 2, tokenAt: [5], doneAt: 6 }));
    metrics.record(turn({ intendedAt: 10, sentAt: 260, tokenAt: [265], doneAt: 266 }));
    expect(metrics.figures(0, 1000).lag?.max).toBeCloseTo(250, 0);
  });
});
