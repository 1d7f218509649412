import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ensureOperators, ListedNode, listNodes } from '../scripts/cluster-nodes';
import { autoUsers, UsageError } from './args';
import { CHURN_USAGE, ChurnOptions, killSchedule, parseChurnArgs } from './churn-args';
import { deleteRunPersona } from './churn-cleanup';
import { mayServe } from './churn-nodes';
import { ChurnFigures, formatChurn, takeoverOutcomes } from './churn-report';
import { RunMetrics, TurnTimeline } from './metrics';
import { NodeFleet, Replacement } from './node-fleet';
import { buildPlan } from './poisson';
import { formatReport, loadReport, LoadReport } from './report';
import { runOpenModel } from './runner';
import { LoadPersona, prepareConversations, preparePersona, prepareUsers, SetupError } from './setup';
import { SocketTarget } from './socket-target';

// `npm run load:churn`: issue 11's benchmark. Chat load on an api whose replies come from node processes this
// tool runs, while it SIGKILLs one of them every --kill-every seconds and starts it again. Progress to stderr, the
// report to stdout, every figure to --json. Exit 0 with figures, 1 when it could not be set up, 2 for bad options.

const log = (line: string): void => void process.stderr.write(`[churn] ${line}\n`);
const NODES_UP_MS = 60_000;

/** RunMetrics that also keeps each measured turn's outcome by message id, to match takeovers against. */
class OutcomeMetrics extends RunMetrics {
  readonly outcomes = new Map<string, string | undefined>();
  override record(timeline: TurnTimeline): void {
    super.record(timeline);
    if (timeline.measured && timeline.messageId) this.outcomes.set(timeline.messageId, timeline.error);
  }
}

/**
 * Healthy nodes this tool does not run that could take the run's replies (the in-process node, another node with the
 * same model id): they would soften the churn. Nodes serving other models (start:cluster's `embedded`) cannot.
 */
async function otherHealthyNodes(
  url: string,
  fleetNames: readonly string[],
  modelId: string,
): Promise<ListedNode[]> {
  const listed = await listNodes(url).catch((error: unknown) => {
    throw new SetupError(
      `The api at ${url} is not answering GET /v1/nodes (${error instanceof Error ? error.message : String(error)}). ` +
        'Start it with NODE_IN_PROCESS=false SIGNUP_RATE_LIMIT_PER_HOUR=100000 npm start, or pass --start.',
    );
  });
  const strangers = listed.filter(
    (node) => node.healthy && !fleetNames.includes(node.name) && mayServe(node, modelId),
  );
  if (strangers.length > 0)
    log(
      `warning: ${strangers.length} other healthy node(s) can serve ${modelId} on this api ` +
        `(${strangers.map((n) => n.name).join(', ')}): they take replies too and soften the churn. ` +
        'Run the api with NODE_IN_PROCESS=false and no other nodes for this model.',
    );
  return strangers;
}

/** The operators (signed up once, then reused from dataDir) and their nodes, one operator each, not yet started. */
async function prepareFleet(
  options: ChurnOptions,
  fleetNames: readonly string[],
  dataDir: string,
): Promise<NodeFleet> {
  log(
    `signing up or reusing ${options.nodes} operators, starting ${options.nodes} nodes (${options.modelId})`,
  );
  const operators = await ensureOperators(
    options.load.url,
    join(dataDir, 'churn-operators.json'),
    options.nodes,
    'churn-op',
  ).catch((error: unknown) => {
    throw new SetupError(error instanceof Error ? error.message : String(error));
  });
  return new NodeFleet(
    resolve(__dirname, '..', '..'),
    options.load.url,
    operators.map((operator, i) => ({
      name: fleetNames[i] ?? `churn-node-${i + 1}`,
      port: options.nodePort + i,
      dataDir: join(dataDir, `node-${i + 1}`),
      operatorKey: operator.apiKey,
      modelId: options.modelId,
    })),
    join(dataDir, 'logs'),
  );
}

async function run(options: ChurnOptions): Promise<{ report: LoadReport; churn: ChurnFigures }> {
  const load = options.load;
  const startedAt = new Date().toISOString();
  const dataDir = resolve(options.dataDir);
  const fleetNames = Array.from({ length: options.nodes }, (_, i) => `churn-node-${i + 1}`);

  const strangers = await otherHealthyNodes(load.url, fleetNames, options.modelId);
  const fleet = await prepareFleet(options, fleetNames, dataDir);
  let persona: LoadPersona | undefined;
  try {
    await fleet.start(NODES_UP_MS).catch((error: unknown) => {
      throw new SetupError(
        `${error instanceof Error ? error.message : String(error)} (logs in ${join(dataDir, 'logs')})`,
      );
    });

    const plan = buildPlan({
      rate: load.rate,
      warmupMs: load.warmupS * 1000,
      durationMs: load.durationS * 1000,
      turns: load.turns,
      thinkMs: load.thinkMs,
      seed: load.seed,
    });
    const runTag = randomBytes(3).toString('hex');
    const wanted = Math.min(load.users ?? autoUsers(load), plan.conversations.length);
    log(`setup: ${wanted} users, ${plan.conversations.length} conversations (run ${runTag})`);
    const setupStart = performance.now();
    const { users, signedUp } = await prepareUsers(load, wanted, runTag);
    if (!users[0]) throw new SetupError('No consumer account to run with.');
    persona = await preparePersona(load, users[0].apiKey, runTag);
    const conversations = await prepareConversations(load, users, persona, plan.conversations);
    const target = await SocketTarget.open(load.url, users, load.setupConcurrency);
    const setupSeconds = (performance.now() - setupStart) / 1000;

    const metrics = new OutcomeMetrics(load.slo, load.tokens);
    const kills = killSchedule(options);
    log(
      `running ${load.warmupS} s warm-up + ${load.durationS} s at ${load.rate} chats/s; ` +
        `${kills.length} kills, one every ${options.killEveryS} s`,
    );
    // The runner opens its window warmupS after it starts (plus a 50 ms lead); the kills keep to that clock.
    const windowStartAt = performance.now() + 50 + load.warmupS * 1000;
    const replacements: Promise<Replacement>[] = [];
    const timers = kills.map(({ atS, node }) =>
      setTimeout(
        () => {
          log(`SIGKILL ${fleet.nodes[node]?.name} at ${atS} s`);
          replacements.push(fleet.killAndReplace(node, windowStartAt));
        },
        Math.max(0, windowStartAt + atS * 1000 - performance.now()),
      ),
    );
    try {
      const outcome = await runOpenModel({
        options: load,
        conversations,
        users,
        target,
        metrics,
        progress: log,
      });
      const replaced = await Promise.all(replacements);
      const report = loadReport({
        startedAt,
        options: load,
        plan,
        users: users.length,
        signedUp,
        persona,
        conversations: conversations.length,
        connections: users.length,
        setupSeconds,
        outcome,
        results: metrics.figures(outcome.windowStartAt, load.durationS * 1000),
        anomalies: target.anomalies(),
      });
      const churn: ChurnFigures = {
        nodes: options.nodes,
        killEveryS: options.killEveryS,
        otherHealthyNodes: strangers.map((node) => node.name),
        kills: replaced,
        nodeChangedEvents: target.nodeChanges.events,
        takeovers: takeoverOutcomes(target.nodeChanges.messageIds, metrics.outcomes),
      };
      return { report, churn };
    } finally {
      timers.forEach((timer) => clearTimeout(timer));
      await target.close();
    }
  } finally {
    await fleet.stop();
    // A persona left live with a model only the fleet served would keep GET /v1/network warning `unserved`.
    if (persona) log(await deleteRunPersona(load, persona));
  }
}

/**
 * --start: the platform as npm start runs it (migrated database, chain, api, worker, supervised), with the api's own
 * node off and sign-up opened for the run's consumers. Loaded only then: the tool otherwise talks to a URL.
 */
async function startPlatform(options: ChurnOptions): Promise<() => Promise<void>> {
  const { preparePlatform, superviseCore } = await import('../scripts/platform');
  log('starting the platform (NODE_IN_PROCESS=false)');
  const platform = await preparePlatform({
    NODE_IN_PROCESS: 'false',
    SIGNUP_RATE_LIMIT_PER_HOUR: process.env.SIGNUP_RATE_LIMIT_PER_HOUR || '100000',
  });
  // The platform's logs go to stderr with the progress lines: stdout carries only the report.
  const supervisor = await superviseCore(platform, () => [], [0, 2, 2, 'ipc']);
  options.load.url = `http://127.0.0.1:${platform.config.port}`;
  if (!options.load.creatorKey) options.load.creatorKeyFile = platform.demoKeyFile;
  return () => supervisor.stop();
}

/**
 * One churn run as a function, for `npm run load -- --scenario node-failures` (load/scenarios/node-failures.ts) and
 * this file's command: starts the platform first with --start, and stops it after, whatever happens.
 */
export async function runChurn(options: ChurnOptions): Promise<{ report: LoadReport; churn: ChurnFigures }> {
  let stopPlatform: (() => Promise<void>) | undefined;
  try {
    if (options.start) stopPlatform = await startPlatform(options);
    return await run(options);
  } finally {
    // Exiting leaves no api, worker or chain behind.
    await stopPlatform?.();
  }
}

async function main(): Promise<number> {
  let options: ChurnOptions;
  try {
    options = parseChurnArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) process.stderr.write(`${error.message}\n\n`);
    process.stderr.write(CHURN_USAGE);
    return error.message ? 2 : 0;
  }
  try {
    const { report, churn } = await runChurn(options);
    process.stdout.write(formatReport(report));
    process.stdout.write(formatChurn(churn));
    if (options.load.json) {
      mkdirSync(dirname(options.load.json), { recursive: true });
      writeFileSync(options.load.json, JSON.stringify({ ...report, churn }, null, 2) + '\n');
      log(`figures written to ${options.load.json}`);
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

// Run as `npm run load:churn`; imported (by the node-failures scenario), it only defines runChurn.
if (require.main === module)
  main()
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
