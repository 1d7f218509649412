import type { ChatRun, ChatSweep } from './chat-run';
import { formatServerCpu } from './process-cpu';
import { formatReport } from './report';
import type { ModelPlatformSplit, SplitPart } from './report-figures';
import { formatSweep, kneeIndex } from './sweep';

/**
 * report.md of a chat-like scenario: chat-load's own text tables (kept as they print, in a code block so Markdown
 * does not reflow them), then the model/platform split as a Markdown table.
 */

const block = (text: string): string => ['```', text.replace(/^\n+|\n+$/g, ''), '```'].join('\n');
const ms = (n: number | undefined): string => (n === undefined ? '–' : n.toFixed(1));
const share = (n: number | undefined): string => (n === undefined ? '–' : `${(n * 100).toFixed(0)}%`);

function splitRows(label: string, what: string, part: SplitPart | undefined): string[] {
  if (!part) return [`| ${label} | – | – | – |`];
  return [
    `| ${label}, as the client saw it | ${ms(part.total.p50)} | ${ms(part.total.p99)} | 100% |`,
    `| … the model (${what}) | ${ms(part.model.p50)} | ${ms(part.model.p99)} | ${share(part.modelShare)} |`,
    `| … the platform + network | ${ms(part.platform.p50)} | ${ms(part.platform.p99)} | ${share(1 - part.modelShare)} |`,
  ];
}

export function formatSplit(split: ModelPlatformSplit, context = ''): string {
  const lines = [
    `## What the model took and what the platform added${context}`,
    '',
    '| ms | p50 | p99 | share of the summed time |',
    '|---|---:|---:|---:|',
    ...splitRows('TTFT', "the server's timings.ttftMs", split.ttft),
    ...splitRows('End to end', 'its TTFT + first → last token', split.e2e),
    '',
    `${split.withServerTtft} of ${split.completed} completed measured replies carried the server's TTFT.`,
  ];
  if (split.completed > 0 && split.withServerTtft === 0)
    lines.push(
      "The server reported no timings.ttftMs (the OpenAI endpoint sends none), so TTFT is not split and the model's " +
        'end-to-end share counts only first → last token.',
    );
  return lines.join('\n') + '\n';
}

export function runMarkdown(title: string, run: ChatRun, split: ModelPlatformSplit): string {
  return [
    `# ${title}`,
    '',
    block(formatReport(run.report) + formatServerCpu(run.report.serverCpu)),
    '',
    formatSplit(split),
  ].join('\n');
}

export function sweepMarkdown(
  title: string,
  sweep: ChatSweep,
  kneeSplit: ModelPlatformSplit | undefined,
): string {
  const knee = sweep.runs[kneeIndex(sweep.points)];
  return [
    `# ${title}`,
    '',
    block(formatSweep(sweep.points)),
    '',
    ...sweep.runs.flatMap((run, i) => [
      `## Step ${i + 1}: ${run.report.parameters.rate}/s`,
      '',
      block(formatReport(run.report) + formatServerCpu(run.report.serverCpu)),
      '',
    ]),
    knee && kneeSplit ? formatSplit(kneeSplit, ` (knee step, ${knee.report.parameters.rate}/s)`) : '',
  ].join('\n');
}
