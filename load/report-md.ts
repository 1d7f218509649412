import type { ChatRun, ChatSweep } from './chat-run';
import { formatServerCpu } from './process-cpu';
import { formatReport } from './report';
import type { ModelPlatformSplit } from './report-figures';
import { splitNotes, splitRows } from './report-split';
import { formatSweep, kneeIndex } from './sweep';

/**
 * report.md of a chat-like scenario: chat-load's own text tables (kept as they print, in a code block so Markdown
 * does not reflow them), then the model/platform split as a Markdown table.
 */

const block = (text: string): string => ['```', text.replace(/^\n+|\n+$/g, ''), '```'].join('\n');
const ms = (n: number | undefined): string => (n === undefined ? '–' : n.toFixed(1));
const share = (n: number | undefined): string => (n === undefined ? '–' : `${(n * 100).toFixed(0)}%`);

export function formatSplit(split: ModelPlatformSplit, modelId: string | undefined, context = ''): string {
  const lines = [
    `## What the model took and what the platform added${context}`,
    '',
    '| ms | p50 | p99 | share of the summed time |',
    '|---|---:|---:|---:|',
    ...splitRows(split).map(
      (row) =>
        `| ${row.label.replace(/^ {2}/, '… ')} | ${ms(row.p50)} | ${ms(row.p99)} | ${share(row.share)} |`,
    ),
    '',
    `${split.withServerTtft} of ${split.completed} completed measured replies carried the server's TTFT.`,
    '',
    ...splitNotes(split, modelId).flatMap((note) => [note, '']),
  ];
  return lines.join('\n');
}

export function runMarkdown(title: string, run: ChatRun, split: ModelPlatformSplit): string {
  return [
    `# ${title}`,
    '',
    block(formatReport(run.report) + formatServerCpu(run.report.serverCpu)),
    '',
    formatSplit(split, run.report.setup.persona.modelId),
  ].join('\n');
}

export function sweepMarkdown(
  title: string,
  sweep: ChatSweep,
  kneeSplit: ModelPlatformSplit | undefined,
): string {
  const kneeAt = kneeIndex(sweep.points);
  const knee = sweep.runs[kneeAt];
  // The last step is the knee only when goodput stopped rising there; otherwise it is just the highest step.
  const kneeName = kneeAt < sweep.points.length - 1 ? 'knee step' : 'highest step, no knee reached';
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
    knee && kneeSplit
      ? formatSplit(
          kneeSplit,
          knee.report.setup.persona.modelId,
          ` (${kneeName}, ${knee.report.parameters.rate}/s)`,
        )
      : '',
  ].join('\n');
}
