import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './args';
import { jsonText } from './json-text';
import type { Scenario, ScenarioResult } from './scenarios/scenario';
import { SetupError } from './setup';

/**
 * `npm run load -- --scenario NAME [options] --out DIR`: picks the scenario, hands it the rest of the options,
 * writes its report into DIR and prints the Markdown. Exit codes as chat-load's: 0 ran (whatever the figures say),
 * 1 could not be set up, 2 bad options.
 */

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const REPORT_FILES = ['report.json', 'report.md', 'report.html'] as const;

export function usage(scenarios: readonly Scenario[]): string {
  const width = Math.max(...scenarios.map((s) => s.name.length));
  return [
    'Usage: npm run load -- [--scenario NAME] [options] [--out DIR]',
    '',
    'Load on a running Twinproof platform, one scenario at a time; see load/README.md.',
    '',
    `Scenarios (default ${scenarios[0]?.name ?? '-'}):`,
    ...scenarios.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`),
    '',
    '  --scenario NAME   the scenario to run',
    '  --out DIR         write DIR/report.json (every figure, every request), DIR/report.md and DIR/report.html;',
    '                    without it the report is only printed',
    "  --help            this text; with --scenario NAME, that scenario's options",
    '',
  ].join('\n');
}

interface Parsed {
  scenario?: string;
  out?: string;
  help: boolean;
  rest: string[];
}

/** Takes out the dispatcher's own options; the rest is the scenario's, in their order. */
export function splitArgs(argv: readonly string[]): Parsed {
  const parsed: Parsed = { help: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [name, inline] = arg.startsWith('--') ? arg.slice(2).split(/=(.*)/s, 2) : [undefined, undefined];
    if (name === 'scenario' || name === 'out') {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '' || value.startsWith('--'))
        throw new UsageError(`--${name} needs a value.`);
      parsed[name] = value;
    } else if (arg === '--help' || arg === '-h') parsed.help = true;
    else parsed.rest.push(arg);
  }
  return parsed;
}

export function writeReport(dir: string, result: ScenarioResult): string[] {
  mkdirSync(dir, { recursive: true });
  const contents = [jsonText(result.json) + '\n', result.markdown, result.html];
  return REPORT_FILES.map((file, i) => {
    const path = join(dir, file);
    writeFileSync(path, contents[i] ?? '');
    return path;
  });
}

export async function dispatch(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  scenarios: readonly Scenario[],
  io: Output,
): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = splitArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\n\n${usage(scenarios)}`);
    return 2;
  }
  if (parsed.help && parsed.scenario === undefined) {
    io.out(usage(scenarios));
    return 0;
  }
  const name = parsed.scenario ?? scenarios[0]?.name;
  const scenario = scenarios.find((s) => s.name === name);
  if (!scenario) {
    io.err(`Unknown scenario "${name}".\n\n${usage(scenarios)}`);
    return 2;
  }
  if (parsed.help) {
    io.out(scenario.usage);
    return 0;
  }
  if (parsed.out !== undefined) {
    // Before the run, not after it: a minute of load lost to a path that cannot be written is a bad surprise.
    try {
      mkdirSync(parsed.out, { recursive: true });
    } catch (error) {
      io.err(
        `--out ${parsed.out} cannot be created: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return 2;
    }
  }
  let result: ScenarioResult;
  try {
    result = await scenario.run(parsed.rest, env);
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) io.err(`${error.message}\n\n`);
      io.err(scenario.usage);
      return error.message ? 2 : 0;
    }
    if (error instanceof SetupError) {
      io.err(`Setup failed: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (parsed.out !== undefined) {
    const files = writeReport(parsed.out, result);
    io.err(`[load] report written: ${files.join(', ')}\n`);
  }
  io.out(result.markdown.endsWith('\n') ? result.markdown : `${result.markdown}\n`);
  return 0;
}
