import { LoadOptions, OPTIONS_HELP, parseArgs, UsageError } from '../args';
import { ChatRun, ChatSweep, run, sweep } from '../chat-run';
import { knownModelTtftMs, modelPlatformSplit, ModelPlatformSplit } from '../report-figures';
import { runHtml, sweepHtml } from '../report-html';
import { runMarkdown, sweepMarkdown } from '../report-md';
import { fromRow } from '../requests';
import { kneeIndex } from '../sweep';
import type { Scenario, ScenarioResult } from './scenario';

/** The preset's flags first, so a flag given on the command line (parsed later) wins over it. */
export function presetOptions(
  preset: readonly string[],
  argv: readonly string[],
  env: Record<string, string | undefined>,
): LoadOptions {
  if (argv.some((arg) => arg === '--json' || arg.startsWith('--json=')))
    throw new UsageError("--json is chat-load's; here use --out DIR (report.json, report.md, report.html).");
  return parseArgs([...preset, ...argv], env);
}

/**
 * The chat-like scenarios are chat-load runs with a preset: the preset's flags go first, so a flag given on the
 * command line (parsed later) wins over it.
 */
export function chatLikeScenario(input: {
  name: string;
  summary: string;
  preset: readonly string[];
  /** What the preset is for, under the usage line. */
  about: string;
}): Scenario {
  const { name, summary, preset, about } = input;
  return {
    name,
    summary,
    usage:
      `Usage: npm run load -- --scenario ${name} [options] [--out DIR]\n\n${about}\n` +
      `Preset: ${preset.length > 0 ? preset.join(' ') : '(none: the defaults below)'}; a flag given here wins over it.\n` +
      '--out DIR writes DIR/report.json (every figure and every request), report.md and report.html.\n\n' +
      OPTIONS_HELP.replace(/\n {2}--json PATH[^\n]*\n/, '\n'),
    async run(argv, env): Promise<ScenarioResult> {
      const options = presetOptions(preset, argv, env);
      const title = `Twinproof load: ${name} scenario`;
      if (options.sweep) {
        const result = await sweep(options, options.sweep, ({ report }) =>
          process.stderr.write(
            `[load] step ${report.parameters.rate}/s: goodput ${report.results.goodputPerS.toFixed(2)}/s, ` +
              `TTFT p99 ${report.results.latency.ttft?.p99 ?? '–'} ms\n`,
          ),
        );
        return sweepResult(name, title, result);
      }
      return runResult(name, title, await run(options));
    },
  };
}

const splitOf = (chatRun: ChatRun): ModelPlatformSplit =>
  modelPlatformSplit(
    chatRun.requests.rows.map(fromRow),
    knownModelTtftMs(chatRun.report.setup.persona.modelId),
  );

const runJson = (chatRun: ChatRun, split: ModelPlatformSplit) => ({
  ...chatRun.report,
  modelPlatformSplit: split,
  itl: chatRun.itl,
  requests: chatRun.requests,
});

export function runResult(scenario: string, title: string, chatRun: ChatRun): ScenarioResult {
  const split = splitOf(chatRun);
  return {
    json: { scenario, ...runJson(chatRun, split) },
    markdown: runMarkdown(title, chatRun, split),
    html: runHtml(title, chatRun, split),
  };
}

export function sweepResult(scenario: string, title: string, result: ChatSweep): ScenarioResult {
  const splits = result.runs.map(splitOf);
  const kneeSplit = splits[kneeIndex(result.points)];
  return {
    json: {
      scenario,
      tool: 'twinproof-chat-load-sweep',
      points: result.points,
      knee: kneeIndex(result.points),
      runs: result.runs.map((chatRun, i) => runJson(chatRun, splits[i] ?? splitOf(chatRun))),
    },
    markdown: sweepMarkdown(title, result, kneeSplit),
    html: sweepHtml(title, result, kneeSplit),
  };
}

export const chatScenario = chatLikeScenario({
  name: 'chat',
  summary: 'open-model chat over socket.io /chat (chat-load defaults); --sweep finds the knee',
  preset: [],
  about:
    'Conversations arrive as a Poisson process at --rate per second and chat over socket.io; every latency is\n' +
    'measured from the intended send time (coordinated-omission correction). See load/README.md.',
});
