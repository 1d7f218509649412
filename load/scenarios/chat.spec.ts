import { parseArgs } from '../args';
import type { ChatRun } from '../chat-run';
import { RunMetrics, TurnTimeline } from '../metrics';
import { histogramBars } from '../report-html';
import { loadReport } from '../report';
import { RequestLog } from '../requests';
import { runResult, sweepResult } from './chat';

/** A tiny run: the window opens at 1000 ms; six measured replies over two seconds, one failure, one warm-up reply. */
function fakeRun(rate = 2, serverTtft: number | null = 0, modelId = 'embedded'): ChatRun {
  const options = parseArgs([
    '--rate',
    String(rate),
    '--duration',
    '2',
    '--turns',
    '2',
    '--creator-key',
    'tp_secret',
  ]);
  const metrics = new RunMetrics(options.slo, options.tokens);
  const requests = new RequestLog();
  const turn = (
    conversation: number,
    turnIndex: number,
    at: number,
    ttft: number,
    overrides: Partial<TurnTimeline> = {},
  ) => {
    const timeline: TurnTimeline = {
      conversation,
      turn: turnIndex,
      measured: at >= 1000,
      intendedAt: at,
      sentAt: at + 0.5,
      ackAt: at + 2,
      tokenAt: [at + ttft, at + ttft + 10, at + ttft + 20],
      doneAt: at + ttft + 21,
      endedAt: at + ttft + 21,
      usageTokens: 3,
      serverTtftMs: serverTtft ?? undefined,
      inferenceId: `inf-${conversation}-${turnIndex}`,
      ...overrides,
    };
    metrics.record(timeline);
    requests.record(timeline, options.tokens);
  };
  turn(0, 0, 500, 40);
  [1000, 1200, 1400, 2000, 2300, 2600].forEach((at, i) => turn(i + 1, i % 2, at, 10 + i * 5));
  turn(9, 0, 2800, 0, {
    tokenAt: [],
    doneAt: undefined,
    ackAt: undefined,
    error: 'RATE_LIMITED',
    errorMessage: '<b>slow down</b>',
  });
  const report = loadReport({
    startedAt: '2026-12-04T21:00:00.000Z',
    options,
    plan: { conversations: [] },
    users: 2,
    signedUp: 2,
    persona: { id: 'p', slug: 'h1-persona', modelId, created: true },
    conversations: 8,
    connections: 2,
    setupSeconds: 0.4,
    outcome: {
      counts: { turns: 8, skippedAfterWindow: 0, abandoned: 0 },
      generator: { eventLoopDelay: { p50: 0.1, p99: 0.5, max: 1 }, cpuPercent: 3 },
    },
    results: metrics.figures(1000, 2000),
    anomalies: {},
  });
  return {
    report: {
      ...report,
      serverCpu: {
        windowS: 2,
        messages: 6,
        groups: [{ group: 'api', processes: 1, cpuMs: 120, msPerMessage: 20, corePercent: 6 }],
        totalMsPerMessage: 20,
      },
    },
    requests: requests.table(1000),
    itl: { edgesMs: [], counts: requests.itl.counts },
  };
}

describe('a chat-like scenario report', () => {
  it('puts every figure and every request in the JSON, never the creator key', () => {
    const { json } = runResult('chat', 'Twinproof load: chat scenario', fakeRun());
    const text = JSON.stringify(json);
    expect(text).not.toContain('tp_secret');
    const report = json as {
      scenario: string;
      results: { completed: number };
      requests: { rows: unknown[][] };
    };
    expect(report.scenario).toBe('chat');
    expect(report.results.completed).toBe(6);
    // The warm-up reply and the failure are requests too.
    expect(report.requests.rows).toHaveLength(8);
    expect(report.requests.rows[0]?.slice(0, 4)).toEqual([0, 0, 0, -500]);
  });

  it("prints chat-load's table and the model/platform split in the Markdown", () => {
    const { markdown } = runResult('chat', 'Twinproof load: chat scenario', fakeRun());
    expect(markdown).toContain('# Twinproof load: chat scenario');
    expect(markdown).toContain('Latency in ms, from the intended send time');
    expect(markdown).toContain('Server CPU over the 2 s window');
    expect(markdown).toContain('## What the model took and what the platform added');
    // Model TTFT 0 for every reply: the platform added all of it.
    expect(markdown).toMatch(/\| … the platform \+ network \| 20\.0 \| 35\.0 \| 100% \|/);
  });

  it('draws latency over time, the histograms, the split, latency by turn and CPU in the HTML', () => {
    const { html } = runResult('chat', 'Twinproof load: chat scenario', fakeRun());
    for (const title of [
      'Latency over the run',
      'TTFT histogram',
      'Ack histogram',
      'End-to-end histogram',
      'ITL histogram',
      'What the model took and what the platform added',
      'Latency by turn',
      'CPU ms per message by process group',
    ])
      expect(html).toContain(title);
    expect(html).toContain('the model took ~0 ms');
    // The error message from the platform is shown as text.
    expect(html).toContain('&lt;b&gt;slow down&lt;/b&gt;');
    expect(html).not.toContain('NaN');
  });

  it("says when the model's TTFT is the server's upper bound, and when no model TTFT is known at all", () => {
    const server = runResult('chat', 't', fakeRun(2, 4, 'gpt-4o-mini'));
    expect(server.markdown).toContain("the model (the server's timings.ttftMs, an upper bound)");
    expect(server.html).toContain('an upper bound on the model&#39;s part');
    const none = runResult('openai', 't', fakeRun(2, null, 'gpt-4o-mini'));
    expect(none.html).toContain('reported no timings.ttftMs');
    expect(none.markdown).toContain('TTFT: not split');
  });

  it('draws the sweep curve and details the knee step', () => {
    const runs = [fakeRun(2), fakeRun(3)];
    const points = [
      { offeredPerS: 2, achievedPerS: 2, goodputPerS: 2, ttftP50Ms: 10, ttftP99Ms: 30, failed: 0 },
      { offeredPerS: 3, achievedPerS: 2.1, goodputPerS: 2, ttftP50Ms: 90, ttftP99Ms: 400, failed: 1 },
    ];
    const result = sweepResult('chat', 'sweep', { points, runs });
    expect(result.html).toContain('Sweep: offered → achieved and goodput');
    expect(result.html).toContain('Sweep: TTFT by offered load');
    expect(result.html).toContain('The knee step in detail (2/s)');
    expect(result.markdown).toContain('<- knee');
    expect((result.json as { runs: unknown[]; knee: number }).runs).toHaveLength(2);
    expect((result.json as { knee: number }).knee).toBe(0);
  });
});

describe('histogramBars', () => {
  it('drops the empty buckets at both ends and labels each by its upper edge', () => {
    const counts = Array.from({ length: 42 }, () => 0);
    counts[6] = 2; // ≤1 ms
    counts[8] = 1; // ≤2 ms
    expect(histogramBars(counts)).toEqual([
      { label: '≤1', value: 2 },
      { label: '≤1.5', value: 0 },
      { label: '≤2', value: 1 },
    ]);
    expect(histogramBars([0, 0])).toEqual([]);
  });
});
