import { parseArgs } from './args';
import { RunMetrics } from './metrics';
import { buildPlan } from './poisson';
import { FinishedRun, formatReport, loadReport } from './report';

function finishedRun(argv: string[]): FinishedRun {
  const options = parseArgs(argv);
  const plan = buildPlan({
    rate: options.rate,
    warmupMs: options.warmupS * 1000,
    durationMs: options.durationS * 1000,
    turns: options.turns,
    thinkMs: options.thinkMs,
    seed: options.seed,
  });
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
    const run = finishedRun(['--rate', '20', '--warmup', '5', '--duration', '10', '--seed', '7']);
    const warmup = run.plan.conversations.filter((c) => c.warmup).length;
    expect(warmup).toBeGreaterThan(0);
    const report = loadReport(run);
    expect(report.setup.warmupConversations).toBe(warmup);
    expect(report.offeredConversationsPerS).toBeCloseTo((run.plan.conversations.length - warmup) / 10, 9);
    expect(report.setup.seconds).toBe(1.3);
    expect(formatReport(report)).toContain(`(${report.offeredConversationsPerS.toFixed(2)}/s drawn)`);
  });
});
