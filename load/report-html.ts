import type { ChatRun, ChatSweep } from './chat-run';
import type { LatencySummary } from './histogram';
import { htmlPage } from './html/page';
import type { HtmlSection } from './html/sections';
import {
  ackOf,
  byTurn,
  countsOverTime,
  e2eOf,
  overTime,
  ttftOf,
  type ModelPlatformSplit,
  type Percentiles,
  type SplitPart,
} from './report-figures';
import { splitNotes, splitRows } from './report-split';
import { BucketCounts, BUCKET_EDGES_MS, fromRow, RequestRecord } from './requests';
import { kneeIndex } from './sweep';

/** report.html of a chat-like scenario: the figures of report.md drawn, plus what only the per-request records show. */

type Series = { name: string; points: [number, number][] };

const LATENCY_ROWS: [keyof ChatRun['report']['results']['latency'], string][] = [
  ['ack', 'ack (accepted)'],
  ['ttft', 'TTFT'],
  ['serverTtft', 'TTFT the server reports (from the reply’s start)'],
  ['tpot', 'TPOT'],
  ['itl', 'ITL (pooled)'],
  ['e2e', 'end to end'],
  ['finalize', 'last token → done'],
];

const summaryRow = (label: string, s: LatencySummary | undefined): (string | number | null)[] =>
  s ? [label, s.n, s.p50, s.p90, s.p99, s['p99.9'], s.max] : [label, 0, null, null, null, null, null];

function overview(run: ChatRun): HtmlSection[] {
  const { report } = run;
  const p = report.parameters;
  const r = report.results;
  const target = p.target === 'socket' ? 'socket.io /chat' : 'POST /v1/chat/completions (SSE)';
  return [
    {
      kind: 'text',
      text:
        `${target} at ${p.url}, started ${report.startedAt}. Open model: Poisson arrivals at ${p.rate}/s, ${p.turns} ` +
        `turn(s) per conversation, think ${p.thinkMs} ms, warm-up ${p.warmupS} s, measured ${p.durationS} s, seed ${p.seed}. ` +
        `Persona ${report.setup.persona.slug} on ${report.setup.persona.modelId ?? 'the server default model'}; ` +
        `${report.setup.users} users, ${report.setup.connections} connections.\n\n` +
        'Latencies are measured from the intended send time (coordinated-omission corrected), in ms.',
    },
    {
      kind: 'table',
      title: 'Requests in the measured window',
      columns: ['', 'count', 'per s'],
      rows: [
        ['offered', r.offered, r.offeredPerS],
        ['completed (achieved)', r.completed, r.achievedPerS],
        ['good (within the SLO: goodput)', r.good, r.goodputPerS],
        ['failed', r.failed, null],
        ...Object.entries(r.errors).map(([code, n]): (string | number | null)[] => [`  ${code}`, n, null]),
      ],
    },
    {
      kind: 'table',
      title: 'Latency (ms)',
      columns: ['', 'n', 'p50', 'p90', 'p99', 'p99.9', 'max'],
      rows: [
        ...LATENCY_ROWS.map(([key, label]) => summaryRow(label, r.latency[key])),
        summaryRow('failed: due → error', r.timeToFailure),
        summaryRow('schedule lag (sent − due)', r.lag),
      ],
    },
  ];
}

function splitSection(split: ModelPlatformSplit, modelId: string | undefined): HtmlSection[] {
  const shares = (part: SplitPart | undefined, label: string): { label: string; value: number }[] =>
    part
      ? [
          { label: `${label} model`, value: part.modelShare * 100 },
          { label: `${label} platform`, value: (1 - part.modelShare) * 100 },
        ]
      : [];
  return [
    {
      kind: 'table',
      title: 'What the model took and what the platform added (ms)',
      columns: ['', 'p50', 'p99', 'share'],
      rows: splitRows(split).map((row) => [
        row.label,
        row.p50 ?? null,
        row.p99 ?? null,
        row.share === undefined ? '' : `${(row.share * 100).toFixed(0)}%`,
      ]),
    },
    {
      kind: 'text',
      text: [
        `${split.withServerTtft} of ${split.completed} completed measured replies carried the server's TTFT.`,
        ...splitNotes(split, modelId),
      ].join('\n\n'),
    },
    {
      kind: 'bars',
      title: 'Model and platform shares of TTFT and end to end',
      xLabel: 'part',
      yLabel: '% of the summed time',
      bars: [...shares(split.ttft, 'TTFT'), ...shares(split.e2e, 'e2e')],
    },
  ];
}

function overTimeSections(records: RequestRecord[]): HtmlSection[] {
  const ttft = overTime(records, ttftOf);
  const ack = overTime(records, ackOf);
  const counts = countsOverTime(records);
  const series: Series[] = [
    { name: 'TTFT p50', points: ttft.map((b) => [b.startS, b.p50]) },
    { name: 'TTFT p99', points: ttft.map((b) => [b.startS, b.p99]) },
    { name: 'ack p50', points: ack.map((b) => [b.startS, b.p50]) },
    { name: 'ack p99', points: ack.map((b) => [b.startS, b.p99]) },
  ];
  return [
    {
      kind: 'lines',
      title: 'Latency over the run (1 s buckets by due time; before 0 s is the warm-up)',
      xLabel: 's from the start of the measured window',
      yLabel: 'ms (log)',
      logY: true,
      series,
    },
    {
      kind: 'lines',
      title: 'Requests over the run (1 s buckets by due time)',
      xLabel: 's from the start of the measured window',
      yLabel: 'requests per s',
      series: [
        { name: 'due', points: counts.map((b) => [b.startS, b.due]) },
        { name: 'completed', points: counts.map((b) => [b.startS, b.completed]) },
        { name: 'failed', points: counts.map((b) => [b.startS, b.failed]) },
      ],
    },
  ];
}

/** Bucket counts as bars, without the empty buckets below the first value and above the last. */
export function histogramBars(counts: readonly number[]): { label: string; value: number }[] {
  const first = counts.findIndex((c) => c > 0);
  if (first === -1) return [];
  const last = counts.length - 1 - [...counts].reverse().findIndex((c) => c > 0);
  return counts
    .slice(first, last + 1)
    .map((value, i) => ({ label: `≤${BUCKET_EDGES_MS[first + i] ?? '∞'}`, value }));
}

function histograms(run: ChatRun, measured: RequestRecord[]): HtmlSection[] {
  const values = (f: (r: RequestRecord) => number | undefined): number[] =>
    measured.map(f).filter((v): v is number => v !== undefined);
  const chart = (title: string, counts: readonly number[], yLabel = 'requests'): HtmlSection => ({
    kind: 'bars',
    title,
    xLabel: 'ms (bucket upper edge)',
    yLabel,
    bars: histogramBars(counts),
  });
  return [
    chart('TTFT histogram (measured requests)', BucketCounts.of(values(ttftOf)).counts),
    chart('Ack histogram (measured requests)', BucketCounts.of(values(ackOf)).counts),
    chart('End-to-end histogram (measured requests)', BucketCounts.of(values(e2eOf)).counts),
    chart('ITL histogram (gaps between streamed tokens)', run.itl.counts, 'gaps'),
  ];
}

function turnSection(records: RequestRecord[]): HtmlSection[] {
  const turns = byTurn(records);
  if (turns.length < 2) return [];
  const line = (
    name: string,
    pick: (t: (typeof turns)[number]) => Percentiles | undefined,
    p: 'p50' | 'p99',
  ) => ({
    name,
    points: turns.flatMap((t): [number, number][] => {
      const v = pick(t);
      return v ? [[t.turn + 1, v[p]]] : [];
    }),
  });
  return [
    {
      kind: 'lines',
      title: 'Latency by turn (the history grows with each turn)',
      xLabel: 'turn of the conversation',
      yLabel: 'ms (log)',
      logY: true,
      series: [
        line('TTFT p50', (t) => t.ttft, 'p50'),
        line('TTFT p99', (t) => t.ttft, 'p99'),
        line('e2e p50', (t) => t.e2e, 'p50'),
        line('e2e p99', (t) => t.e2e, 'p99'),
      ],
    },
  ];
}

function cpuSections(run: ChatRun): HtmlSection[] {
  const cpu = run.report.serverCpu;
  if (!cpu)
    return [
      {
        kind: 'text',
        title: 'Server CPU',
        text: 'Not read: the platform is not on this machine (CPU per process is read from /proc).',
      },
    ];
  return [
    {
      kind: 'bars',
      title: `CPU ms per message by process group (${cpu.windowS} s window, ${cpu.messages} messages; all: ${cpu.totalMsPerMessage ?? '–'} ms)`,
      xLabel: 'process group',
      yLabel: 'CPU ms per message',
      bars: cpu.groups.map((g) => ({ label: g.group, value: g.msPerMessage ?? 0 })),
    },
    {
      kind: 'table',
      title: 'Server CPU by process group',
      columns: ['group', 'processes', 'CPU s', 'ms/message', '% of a core'],
      rows: cpu.groups.map((g) => [
        g.group,
        g.processes,
        g.cpuMs / 1000,
        g.msPerMessage ?? null,
        g.corePercent,
      ]),
    },
  ];
}

function tailSections(run: ChatRun): HtmlSection[] {
  const { report } = run;
  const sections: HtmlSection[] = [];
  const proofs = report.proofs;
  if (proofs)
    sections.push({
      kind: 'table',
      title: `Proofs: reply done → first update of each status (ms); ${proofs.anchored}/${proofs.tracked} measured replies anchored, ${proofs.updatesSeen} updates`,
      columns: ['status', 'n', 'p50', 'p90', 'p99', 'p99.9', 'max'],
      rows: Object.entries(proofs.lagByStatus).map(([status, s]) => summaryRow(status, s)),
    });
  const samples = Object.entries(report.results.errorSamples);
  if (samples.length > 0)
    sections.push({
      kind: 'table',
      title: 'First message of each error',
      columns: ['code', 'message'],
      rows: samples,
    });
  const g = report.generator;
  sections.push({
    kind: 'text',
    title: 'Load generator',
    text:
      `Event-loop delay p50 ${g.eventLoopDelay.p50} ms, p99 ${g.eventLoopDelay.p99} ms, max ${g.eventLoopDelay.max} ms; ` +
      `CPU ${g.cpuPercent}% of one core. High values mean the generator, not the platform, set the pace.\n\n` +
      `Turns: ${report.counts.turns} sent, ${report.counts.skippedAfterWindow} skipped (due after the window), ${report.counts.abandoned} abandoned.` +
      (Object.keys(report.anomalies).length > 0
        ? `\n\nAnomalies: ${Object.entries(report.anomalies)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')}`
        : ''),
  });
  return sections;
}

export function runSections(run: ChatRun, split: ModelPlatformSplit): HtmlSection[] {
  const records = run.requests.rows.map(fromRow);
  const measured = records.filter((r) => r.measured);
  return [
    ...overview(run),
    ...splitSection(split, run.report.setup.persona.modelId),
    ...overTimeSections(records),
    ...histograms(run, measured),
    ...turnSection(records),
    ...cpuSections(run),
    ...tailSections(run),
  ];
}

export function runHtml(title: string, run: ChatRun, split: ModelPlatformSplit): string {
  return htmlPage(title, runSections(run, split));
}

export function sweepHtml(
  title: string,
  sweep: ChatSweep,
  kneeSplit: ModelPlatformSplit | undefined,
): string {
  const { points } = sweep;
  const knee = kneeIndex(points);
  const kneeRun = sweep.runs[knee];
  const curve: HtmlSection[] = [
    {
      kind: 'lines',
      title: 'Sweep: offered → achieved and goodput',
      xLabel: 'offered requests per s',
      yLabel: 'requests per s',
      series: [
        { name: 'offered (ideal)', points: points.map((p) => [p.offeredPerS, p.offeredPerS]) },
        { name: 'achieved', points: points.map((p) => [p.offeredPerS, p.achievedPerS]) },
        { name: 'goodput', points: points.map((p) => [p.offeredPerS, p.goodputPerS]) },
      ],
    },
    {
      kind: 'lines',
      title: 'Sweep: TTFT by offered load',
      xLabel: 'offered requests per s',
      yLabel: 'TTFT ms (log)',
      logY: true,
      series: [
        {
          name: 'TTFT p50',
          points: points.flatMap((p): [number, number][] =>
            p.ttftP50Ms === undefined ? [] : [[p.offeredPerS, p.ttftP50Ms]],
          ),
        },
        {
          name: 'TTFT p99',
          points: points.flatMap((p): [number, number][] =>
            p.ttftP99Ms === undefined ? [] : [[p.offeredPerS, p.ttftP99Ms]],
          ),
        },
      ],
    },
    {
      kind: 'table',
      title: 'Sweep steps',
      columns: ['offered/s', 'achieved/s', 'goodput/s', 'TTFT p50', 'TTFT p99', 'failed', 'CPU ms/msg', ''],
      rows: points.map((p, i) => [
        p.offeredPerS,
        p.achievedPerS,
        p.goodputPerS,
        p.ttftP50Ms ?? null,
        p.ttftP99Ms ?? null,
        p.failed,
        p.cpuMsPerMessage ?? null,
        i === knee ? (knee < points.length - 1 ? 'knee' : 'highest so far') : '',
      ]),
    },
  ];
  const detail: HtmlSection[] =
    kneeRun && kneeSplit
      ? [
          {
            kind: 'text',
            title: `${knee < points.length - 1 ? 'The knee step' : 'The highest step (no knee reached)'} in detail (${kneeRun.report.parameters.rate}/s)`,
            text: 'Every chart below is of this one step; report.json has every step.',
          },
          ...runSections(kneeRun, kneeSplit),
        ]
      : [];
  return htmlPage(title, [...curve, ...detail]);
}
