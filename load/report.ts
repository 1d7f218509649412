import type { LoadOptions } from './args';
import type { LatencySummary } from './histogram';
import type { RunFigures } from './metrics';
import type { Plan } from './poisson';
import type { ProofFigures } from './proofs';
import type { GeneratorFigures, RunCounts, RunOutcome } from './runner';
import type { LoadPersona } from './setup';

export interface LoadReport {
  tool: 'twinproof-chat-load';
  startedAt: string;
  /** The options as run, but never the creator key itself. */
  parameters: LoadOptions;
  setup: {
    users: number;
    signedUp: number;
    persona: { slug: string; modelId?: string; created: boolean };
    conversations: number;
    warmupConversations: number;
    connections: number;
    seconds: number;
  };
  /** Conversations that arrived in the measured window, per second: the Poisson draw of --rate. */
  offeredConversationsPerS: number;
  counts: RunCounts;
  results: RunFigures;
  generator: GeneratorFigures;
  proofs?: ProofFigures;
  anomalies: Record<string, number>;
}

/** What a finished run knows; chat-load and node-churn report it alike. */
export interface FinishedRun {
  startedAt: string;
  options: LoadOptions;
  plan: Pick<Plan, 'conversations'>;
  users: number;
  signedUp: number;
  persona: LoadPersona;
  conversations: number;
  connections: number;
  setupSeconds: number;
  outcome: Pick<RunOutcome, 'counts' | 'generator'>;
  results: RunFigures;
  proofs?: ProofFigures;
  anomalies: Record<string, number>;
}

export function loadReport(run: FinishedRun): LoadReport {
  const { options, plan, persona } = run;
  const warmupConversations = plan.conversations.filter((c) => c.warmup).length;
  return {
    tool: 'twinproof-chat-load',
    startedAt: run.startedAt,
    // The creator key is a credential: the report says only whether one was given.
    parameters: { ...options, creatorKey: options.creatorKey ? '(given)' : undefined },
    setup: {
      users: run.users,
      signedUp: run.signedUp,
      persona: { slug: persona.slug, modelId: persona.modelId, created: persona.created },
      conversations: run.conversations,
      warmupConversations,
      connections: run.connections,
      seconds: Math.round(run.setupSeconds * 10) / 10,
    },
    offeredConversationsPerS: (plan.conversations.length - warmupConversations) / options.durationS,
    counts: run.outcome.counts,
    results: run.results,
    generator: run.outcome.generator,
    proofs: run.proofs,
    anomalies: run.anomalies,
  };
}

const ROWS: [keyof RunFigures['latency'] | 'lag' | 'failure', string][] = [
  ['ack', 'ack (accepted)'],
  ['ttft', 'TTFT'],
  ['serverTtft', 'TTFT the server reports'],
  ['tpot', 'TPOT (per request)'],
  ['itl', 'ITL (pooled)'],
  ['e2e', 'end-to-end'],
  ['finalize', 'last token → done'],
  ['failure', 'failed: due → error'],
  ['lag', 'schedule lag (sent − due)'],
];

const fixed = (n: number, digits = 1): string => n.toFixed(digits);

function latencyTable(rows: [string, LatencySummary | undefined][]): string[] {
  const header = ['', 'n', 'p50', 'p90', 'p99', 'p99.9', 'max'];
  const body = rows.map(([label, s]) =>
    s
      ? [label, String(s.n), fixed(s.p50), fixed(s.p90), fixed(s.p99), fixed(s['p99.9']), fixed(s.max)]
      : [label, '0', '–', '–', '–', '–', '–'],
  );
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((r) => (r[i] ?? '').length)));
  return [header, ...body].map((row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '),
  );
}

function sloText(options: Pick<LoadOptions, 'slo'>): string {
  const parts = [
    options.slo.ttftMs !== undefined ? `TTFT ≤ ${options.slo.ttftMs} ms` : undefined,
    options.slo.tpotMs !== undefined ? `TPOT ≤ ${options.slo.tpotMs} ms` : undefined,
    options.slo.e2eMs !== undefined ? `end-to-end ≤ ${options.slo.e2eMs} ms` : undefined,
  ].filter((p) => p !== undefined);
  return parts.length > 0 ? parts.join(', ') : 'no limits set';
}

export function formatReport(report: LoadReport): string {
  const p = report.parameters;
  const r = report.results;
  const target = p.target === 'socket' ? 'socket.io /chat' : 'POST /v1/chat/completions (SSE)';
  const errors = Object.entries(r.errors)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  const lines = [
    '',
    `Twinproof chat load: ${target} at ${p.url}`,
    `  open model: Poisson arrivals, ${p.rate}/s offered (${fixed(report.offeredConversationsPerS, 2)}/s drawn), ` +
      `${p.turns} turn(s) each, think ${p.thinkMs} ms (exponential), warm-up ${p.warmupS} s, measured ${p.durationS} s, seed ${p.seed}`,
    `  persona ${report.setup.persona.slug} (${report.setup.persona.modelId ?? 'server default model'}), ` +
      `${report.setup.users} users (${report.setup.signedUp} signed up), ${report.setup.connections} connections, ` +
      `${report.setup.conversations} conversations; setup ${fixed(report.setup.seconds)} s`,
    '',
    `Requests in the measured window (elapsed ${fixed(r.elapsedS, 2)} s)`,
    `  offered     ${String(r.offered).padStart(7)}  ${fixed(r.offeredPerS, 2).padStart(8)} /s`,
    `  completed   ${String(r.completed).padStart(7)}  ${fixed(r.achievedPerS, 2).padStart(8)} /s   (achieved)`,
    `  good        ${String(r.good).padStart(7)}  ${fixed(r.goodputPerS, 2).padStart(8)} /s   (goodput: ${sloText(p)})`,
    `  failed      ${String(r.failed).padStart(7)}${errors ? `   ${errors}` : ''}`,
    ...Object.entries(r.errorSamples).map(([code, message]) => `    ${code}: ${message.slice(0, 120)}`),
    `  mean output tokens ${r.meanOutputTokens === undefined ? '–' : fixed(r.meanOutputTokens)} (${p.tokens})`,
    '',
    'Latency in ms, from the intended send time (coordinated-omission corrected)',
    ...latencyTable(
      ROWS.map(([key, label]) => [
        label,
        key === 'lag' ? r.lag : key === 'failure' ? r.timeToFailure : r.latency[key],
      ]),
    ).map((l) => `  ${l}`),
    '',
    `Load generator: event-loop delay p50 ${report.generator.eventLoopDelay.p50} ms, p99 ${report.generator.eventLoopDelay.p99} ms, ` +
      `max ${report.generator.eventLoopDelay.max} ms; CPU ${report.generator.cpuPercent}% of one core`,
    `Turns: ${report.counts.turns} sent, ${report.counts.skippedAfterWindow} skipped (due after the window), ` +
      `${report.counts.abandoned} abandoned (conversation given up)`,
  ];
  if (report.proofs) {
    const proofs = report.proofs;
    if (proofs.updatesSeen === 0) lines.push('Proofs: none seen (no proof:update events arrived)');
    else {
      const statuses = Object.entries(proofs.statuses)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ');
      const lag = proofs.anchorLag;
      lines.push(
        `Proofs: ${proofs.updatesSeen} updates (${statuses}); ${proofs.anchored}/${proofs.tracked} measured replies anchored` +
          (lag
            ? `; done → anchored p50 ${fixed(lag.p50)} ms, p99 ${fixed(lag.p99)} ms, max ${fixed(lag.max)} ms`
            : '; none anchored'),
      );
    }
  }
  const anomalies = Object.entries(report.anomalies);
  if (anomalies.length > 0) lines.push(`Anomalies: ${anomalies.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  return lines.join('\n') + '\n';
}
