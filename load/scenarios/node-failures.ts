import { CHURN_USAGE, parseChurnArgs } from '../churn-args';
import { formatChurn } from '../churn-report';
import { htmlPage } from '../html/page';
import { runChurn } from '../node-churn';
import { formatReport } from '../report';
import { churnSections } from '../connections/churn-sections';
import type { Scenario, ScenarioResult } from './scenario';

/** `npm run load:churn` as a scenario: the same options, run and figures, reported as JSON, Markdown and HTML. */
async function runNodeFailures(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): Promise<ScenarioResult> {
  const options = parseChurnArgs(argv, env);
  const { report, churn } = await runChurn(options);
  return {
    json: { ...report, churn },
    markdown: '```\n' + formatReport(report) + formatChurn(churn) + '```\n',
    html: htmlPage(
      churn.killEveryS === 0
        ? 'Node failures: baseline, no kills'
        : `Node failures: a node killed every ${churn.killEveryS} s`,
      churnSections(report, churn),
    ),
  };
}

export const nodeFailuresScenario: Scenario = {
  name: 'node-failures',
  summary: 'chat load while node processes are SIGKILLed and restarted in turn (npm run load:churn)',
  usage: CHURN_USAGE.replace(
    /^Usage: .*\n/,
    'Scenario node-failures (the same run as npm run load:churn; the report goes to --out instead of --json).\n',
  ),
  run: runNodeFailures,
};
