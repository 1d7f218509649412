import { parseArgs } from './args';
import { RunMetrics } from './metrics';
import type { PlannedConversation } from './poisson';
import { FinishedRun, formatReport, loadReport } from './report';

const arrival = (index: number, warmup: boolean): PlannedConversation => ({
  index,
  arrivalMs: index * 100,
  thinkMs: [],
  warmup,
});

/** Three conversations arrived in the warm-up, five in the measured window. */
const plan = { conversations: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => arrival(i, i < 3)) };

function finishedRun(argv: string[]): FinishedRun {
  const options = parseArgs(argv);
  return {
    startedAt: '2026-12-04T16:00:00.000Z',
    options,
    plan,
    users: 4,
    signedUp: 2,
    persona: { id: 'p-1', slug: 'churn-persona', modelId: 'embedded:local', created: true },
    conversations: plan.conversations.length,
    connections: 4,
    setupSeconds: 1.26,
    outcome: {
      counts: { turns: 10, skippedAfterWindow: 0, abandoned: 0 },
      generator: { eventLoopDelay: { p50: 1, p99: 2, max: 3 }, cpuPercent: 12 },
    },
    results: new RunMetrics(options.slo, options.tokens).figures(0, options.durationS * 1000),
    anomalies: {},
  };
}

describe('loadReport', () => {
  it('never carries the creator key, only whether one was given', () => {
    const report = loadReport(finishedRun(['--creator-key', 'tp_secret_key']));
    expect(JSON.stringify(report)).not.toContain('tp_secret_key');
    expect(report.parameters.creatorKey).toBe('(given)');
    expect(loadReport(finishedRun([])).parameters.creatorKey).toBeUndefined();
  });

  it('offers per second only the conversations that arrived in the measured window, not the warm-up', () => {
    const report = loadReport(finishedRun(['--duration', '10']));
    expect(report.setup.warmupConversations).toBe(3);
    expect(report.offeredConversationsPerS).toBe(0.5);
    expect(report.setup.seconds).toBe(1.3);
    expect(formatReport(report)).toContain('(0.50/s drawn)');
  });
});
