/**
 * One load scenario of `npm run load -- --scenario NAME ... --out DIR` (load/load.ts). Each scenario parses its own
 * options (the argv after --scenario/--out are removed), runs against a platform it finds by --url, and returns its
 * report in three forms; load.ts writes them to DIR and prints the Markdown.
 */
export interface ScenarioResult {
  /** DIR/report.json: every figure, the parameters (never a credential) and, where the scenario has them, every request. */
  json: unknown;
  /** DIR/report.md, also printed to stdout. */
  markdown: string;
  /** DIR/report.html: one self-contained page (inline SVG, no scripts from elsewhere); see load/html/page.ts. */
  html: string;
}

export interface Scenario {
  name: string;
  /** One line for `npm run load -- --help`. */
  summary: string;
  /** The scenario's own options, shown by `npm run load -- --scenario NAME --help`. */
  usage: string;
  /** Throws UsageError (load/args.ts) for bad options, SetupError (load/setup.ts) when the platform cannot be used. */
  run(argv: readonly string[], env: Record<string, string | undefined>): Promise<ScenarioResult>;
}
