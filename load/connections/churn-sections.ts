import type { ChurnFigures } from '../churn-report';
import type { LatencySummary } from '../histogram';
import type { HtmlSection } from '../html/sections';
import type { LoadReport } from '../report';

const row = (name: string, s: LatencySummary | undefined): (string | number | null)[] => [
  name,
  s?.n ?? null,
  s?.p50 ?? null,
  s?.p90 ?? null,
  s?.p99 ?? null,
  s?.max ?? null,
];

/** The node-failures report page: the chat load's outcome, each kill and how soon its node was back, the takeovers. */
export function churnSections(report: LoadReport, churn: ChurnFigures): HtmlSection[] {
  const r = report.results;
  const errors = Object.entries(r.errors)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return [
    {
      kind: 'text',
      text:
        (churn.killEveryS === 0
          ? `${churn.nodes} node processes, none killed (the baseline). `
          : `${churn.nodes} node processes, one SIGKILLed every ${churn.killEveryS} s and started again at once. `) +
        `Chat load at ${report.parameters.rate} conversations/s for ${report.parameters.durationS} s: ` +
        `${r.offered} offered, ${r.completed} completed, ${r.failed} failed${errors ? ` (${errors})` : ''}. ` +
        `Takeovers (message:node-changed): ${churn.nodeChangedEvents} events on ${churn.takeovers.seen} replies; ` +
        `${churn.takeovers.completed} of the ${churn.takeovers.measured} measured ones completed.`,
    },
    {
      kind: 'table',
      title: 'Latency (ms)',
      columns: ['', 'n', 'p50', 'p90', 'p99', 'max'],
      rows: [row('ack', r.latency.ack), row('TTFT', r.latency.ttft), row('end to end', r.latency.e2e)],
    },
    {
      kind: 'table',
      title: 'Kills',
      columns: ['s into the window', 'node', 'listening after (ms)', 'registered again after (ms)'],
      rows: churn.kills.map((kill) => [
        Math.round(kill.atS * 10) / 10,
        kill.name,
        kill.listeningMs ?? null,
        kill.replacedMs ?? 'never (30 s)',
      ]),
    },
  ];
}
