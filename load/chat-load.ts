import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LoadOptions, parseArgs, USAGE, UsageError } from './args';
import { ChatLoadReport, run, sweep } from './chat-run';
import { formatServerCpu } from './process-cpu';
import { formatReport } from './report';
import { SetupError } from './setup';
import { formatSweep } from './sweep';

// `node dist/load/chat-load.js --rate 20 --duration 20`: open-model load on a running platform. Progress goes
// to stderr, the summary to stdout, every figure to --json. Exit 0 with figures (errors included), 1 when the
// run could not be set up, 2 for bad options. `npm run load` (load/load.ts) runs the same thing as scenarios.

const log = (line: string): void => void process.stderr.write(`[load] ${line}\n`);
const print = (report: ChatLoadReport): void =>
  void process.stdout.write(formatReport(report) + formatServerCpu(report.serverCpu));

async function main(): Promise<number> {
  let options: LoadOptions;
  try {
    options = parseArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) process.stderr.write(`${error.message}\n\n`);
    process.stderr.write(USAGE);
    return error.message ? 2 : 0;
  }
  try {
    let result: unknown;
    if (options.sweep) {
      const { points, runs } = await sweep(options, options.sweep, ({ report }) => print(report));
      process.stdout.write(formatSweep(points));
      result = { tool: 'twinproof-chat-load-sweep', points, runs: runs.map(({ report }) => report) };
    } else {
      const { report } = await run(options);
      print(report);
      result = report;
    }
    if (options.json) {
      mkdirSync(dirname(options.json), { recursive: true });
      writeFileSync(options.json, JSON.stringify(result, null, 2) + '\n');
      log(`figures written to ${options.json}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof SetupError) {
      process.stderr.write(`Setup failed: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

main()
  // Exit explicitly: keep-alive HTTP connections would otherwise hold the process open for a few seconds.
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
