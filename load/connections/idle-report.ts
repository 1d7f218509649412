import type { LatencySummary } from '../histogram';
import type { HtmlSection } from '../html/sections';
import { formatBytes, type IdleCpu } from './figures';

/** Everything the idle scenario measured; report.json is this object. */
export interface IdleFigures {
  startedAt: string;
  parameters: {
    url: string;
    connections: number;
    rampPerS: number;
    holdS: number;
    perUser: number;
    users: number;
    signedUp: number;
    healthEveryMs: number;
  };
  /** This generator's and the api's soft limits on open files (each socket is one). */
  limits: { generatorMaxOpenFiles?: number; apiMaxOpenFiles?: number; warnings: string[] };
  open: {
    opened: number;
    failed: Record<string, number>;
    failureExamples: Record<string, string>;
    elapsedS: number;
    connectMs?: LatencySummary;
  };
  hold: {
    seconds: number;
    /** Connections the server or the network dropped during the hold, by socket.io's reason. */
    dropped: Record<string, number>;
    openAtEnd: number;
    health: { ms?: LatencySummary; failures: Record<string, number> };
  };
  /** Only for a platform on this machine: read from /proc. */
  api?: {
    pid: number;
    foundBy: string;
    rssBeforeBytes?: number;
    rssAfterOpenBytes?: number;
    rssEndOfHoldBytes?: number;
    rssAfterCloseBytes?: number;
    peakRssBytes?: number;
    openFdsAtEndOfHold?: number;
    memoryPerConnectionBytes?: number;
    idleCpu?: IdleCpu;
  };
  apiNotMeasured?: string;
  /** Each second of the run: connections open and the api's RSS. */
  timeline: { tS: number; open: number; rssMiB?: number }[];
  healthPoints: [number, number][];
}

const counts = (record: Record<string, number>): string =>
  Object.keys(record).length === 0
    ? 'none'
    : Object.entries(record)
        .map(([code, n]) => `${code} ${n}`)
        .join(', ');

const ms = (summary: LatencySummary | undefined): string =>
  summary
    ? `p50 ${summary.p50} / p90 ${summary.p90} / p99 ${summary.p99} / max ${summary.max} ms (n ${summary.n})`
    : '-';

export function idleMarkdown(f: IdleFigures): string {
  const p = f.parameters;
  const lines = [
    `# Idle connections: ${f.open.opened} of ${p.connections} held for ${p.holdS} s`,
    '',
    `${f.startedAt}, ${p.url}: ${p.connections} socket.io /chat connections (websocket) at ${p.rampPerS}/s, ` +
      `${p.perUser} per user over ${p.users} users (${p.signedUp} signed up now), held ${p.holdS} s.`,
    '',
    '| figure | value |',
    '|---|---|',
    `| connections opened | ${f.open.opened} in ${f.open.elapsedS} s (${f.open.elapsedS > 0 ? Math.round(f.open.opened / f.open.elapsedS) : '-'}/s) |`,
    `| failed, by code | ${counts(f.open.failed)} |`,
    `| connect latency | ${ms(f.open.connectMs)} |`,
    `| dropped during the hold | ${counts(f.hold.dropped)} |`,
    `| open at the end of the hold | ${f.hold.openAtEnd} |`,
    `| GET /health during the hold | ${ms(f.hold.health.ms)}; failures: ${counts(f.hold.health.failures)} |`,
  ];
  const api = f.api;
  if (api) {
    lines.push(
      `| api RSS before / after opening / end of hold / after closing | ${formatBytes(api.rssBeforeBytes)} / ` +
        `${formatBytes(api.rssAfterOpenBytes)} / ${formatBytes(api.rssEndOfHoldBytes)} / ${formatBytes(api.rssAfterCloseBytes)} (peak ${formatBytes(api.peakRssBytes)}) |`,
      `| **memory per connection** (RSS end of hold − before) / open | **${formatBytes(api.memoryPerConnectionBytes)}** |`,
      `| api CPU while idle | ${api.idleCpu ? `${api.idleCpu.msPerS} ms/s (${(api.idleCpu.msPerS / 10).toFixed(1)}% of a core), ${api.idleCpu.msPerSPer1k ?? '-'} ms/s per 1k connections` : '-'} |`,
      `| api open files at the end of the hold | ${api.openFdsAtEndOfHold ?? '-'} (limit ${f.limits.apiMaxOpenFiles ?? '-'}) |`,
      `| api process | pid ${api.pid}, found by ${api.foundBy} |`,
    );
  } else lines.push(`| api memory and CPU | not measured: ${f.apiNotMeasured ?? '-'} |`);
  lines.push(`| generator's open-file limit | ${f.limits.generatorMaxOpenFiles ?? '-'} |`);
  if (Object.keys(f.open.failureExamples).length > 0) {
    lines.push('', 'First message of each failure code:');
    for (const [code, message] of Object.entries(f.open.failureExamples)) lines.push(`- ${code}: ${message}`);
  }
  if (f.limits.warnings.length > 0) lines.push('', ...f.limits.warnings.map((w) => `Warning: ${w}`));
  return lines.join('\n') + '\n';
}

export function idleSections(f: IdleFigures): HtmlSection[] {
  const api = f.api;
  const rows: (string | number | null)[][] = [
    ['connections opened', `${f.open.opened} of ${f.parameters.connections}`],
    ['failed, by code', counts(f.open.failed)],
    ['connect latency', ms(f.open.connectMs)],
    ['dropped during the hold', counts(f.hold.dropped)],
    ['GET /health during the hold', ms(f.hold.health.ms)],
    [
      'memory per connection',
      api ? formatBytes(api.memoryPerConnectionBytes) : `not measured: ${f.apiNotMeasured}`,
    ],
    [
      'api RSS before → end of hold',
      api ? `${formatBytes(api.rssBeforeBytes)} → ${formatBytes(api.rssEndOfHoldBytes)}` : null,
    ],
    [
      'api CPU while idle (ms/s, per 1k connections)',
      api?.idleCpu ? `${api.idleCpu.msPerS}, ${api.idleCpu.msPerSPer1k ?? '-'}` : null,
    ],
  ];
  const sections: HtmlSection[] = [
    {
      kind: 'text',
      text:
        `${f.parameters.connections} idle socket.io /chat connections opened at ${f.parameters.rampPerS}/s against ` +
        `${f.parameters.url} and held for ${f.parameters.holdS} s. Memory per connection is the api's resident memory ` +
        'at the end of the hold less before the first connection, over the connections then open.',
    },
    { kind: 'table', title: 'Figures', columns: ['figure', 'value'], rows },
    {
      kind: 'lines',
      title: 'Connections open over the run',
      xLabel: 's',
      yLabel: 'connections',
      series: [{ name: 'open', points: f.timeline.map((t) => [t.tS, t.open]) }],
    },
  ];
  const rss = f.timeline
    .filter((t) => t.rssMiB !== undefined)
    .map((t): [number, number] => [t.tS, t.rssMiB ?? 0]);
  if (rss.length > 0)
    sections.push({
      kind: 'lines',
      title: 'api RSS over the run',
      xLabel: 's',
      yLabel: 'MiB',
      series: [{ name: 'RSS', points: rss }],
    });
  if (f.healthPoints.length > 0)
    sections.push({
      kind: 'lines',
      title: 'GET /health latency during the hold',
      xLabel: 's into the hold',
      yLabel: 'ms',
      series: [{ name: '/health', points: f.healthPoints }],
    });
  if (f.limits.warnings.length > 0)
    sections.push({ kind: 'text', title: 'Warnings', text: f.limits.warnings.join('\n\n') });
  return sections;
}
