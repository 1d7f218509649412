import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { autoUsers, LoadOptions, parseArgs, USAGE, UsageError } from './args';
import { RunMetrics } from './metrics';
import { OpenAiTarget } from './openai-target';
import { buildPlan } from './poisson';
import { ProofTracker } from './proofs';
import { cpuBetween, CpuReading, formatServerCpu, isLocalUrl, readGroups, ServerCpu } from './process-cpu';
import { formatReport, LoadReport } from './report';
import { runOpenModel } from './runner';
import { prepareConversations, preparePersona, prepareUsers, SetupError } from './setup';
import { SocketTarget } from './socket-target';
import { formatSweep, nextRate, type SweepPlan, type SweepPoint } from './sweep';
import type { ChatTarget } from './target';

// `node dist/load/chat-load.js --rate 20 --duration 20`: open-model load on a running platform. Progress goes
// to stderr, the summary to stdout, every figure to --json. Exit 0 with figures (errors included), 1 when the
// run could not be set up, 2 for bad options.

const log = (line: string): void => void process.stderr.write(`[load] ${line}\n`);

async function checkHealth(url: string): Promise<void> {
  try {
    const response = await fetch(`${url}/health`);
    if (!response.ok) throw new Error(`GET /health answered ${response.status}`);
  } catch (error) {
    throw new SetupError(
      `The platform at ${url} is not answering (${error instanceof Error ? error.message : String(error)}). ` +
        'Start it with `npm start`, or pass --url.',
    );
  }
}

async function waitForProofs(proofs: ProofTracker, waitS: number): Promise<void> {
  const deadline = performance.now() + waitS * 1000;
  // Without a single update by then, the server most likely does not send them: do not wait the full time.
  const noneYetDeadline = performance.now() + Math.min(5, waitS) * 1000;
  while (performance.now() < deadline && !proofs.settled()) {
    if (proofs.updatesSeen === 0 && performance.now() > noneYetDeadline) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The report, with the server's CPU per message when the platform runs on this machine. */
type ChatLoadReport = LoadReport & { serverCpu?: ServerCpu };

async function run(options: LoadOptions): Promise<ChatLoadReport> {
  const startedAt = new Date().toISOString();
  const plan = buildPlan({
    rate: options.rate,
    warmupMs: options.warmupS * 1000,
    durationMs: options.durationS * 1000,
    turns: options.turns,
    thinkMs: options.thinkMs,
    seed: options.seed,
  });
  if (plan.conversations.length === 0)
    throw new SetupError('The schedule has no arrivals: raise --rate or --duration.');
  const warmupConversations = plan.conversations.filter((c) => c.warmup).length;
  await checkHealth(options.url);

  const setupStart = performance.now();
  const runTag = randomBytes(3).toString('hex');
  const wanted = Math.min(options.users ?? autoUsers(options), plan.conversations.length);
  const perUser = (options.rate * options.turns * Math.min(60, options.warmupS + options.durationS)) / wanted;
  if (perUser > options.perUserPerMinute)
    log(
      `warning: about ${perUser.toFixed(0)} sends per user per minute against a limit of ${options.perUserPerMinute}; ` +
        'expect RATE_LIMITED (raise --users)',
    );
  log(`setup: ${wanted} users, ${plan.conversations.length} conversations (run ${runTag})`);
  const { users, signedUp } = await prepareUsers(options, wanted, runTag);
  const firstUser = users[0];
  if (!firstUser) throw new SetupError('No consumer account to run with.');
  const persona = await preparePersona(options, firstUser.apiKey, runTag);
  const conversations = await prepareConversations(options, users, persona, plan.conversations);
  if (options.proofs && persona.created && (options.verification ?? 'none') === 'none')
    log(
      'warning: --proofs with a persona that asks for no verification: no proof:update will come (use --verification attested)',
    );
  const proofs = options.proofs ? new ProofTracker() : undefined;
  const target: ChatTarget =
    options.target === 'socket'
      ? await SocketTarget.open(options.url, users, options.setupConcurrency, proofs)
      : await OpenAiTarget.open(options.url, persona.slug, users, options.setupConcurrency, proofs);
  const setupSeconds = (performance.now() - setupStart) / 1000;
  log(
    `setup done in ${setupSeconds.toFixed(1)} s; running ${options.warmupS} s warm-up + ${options.durationS} s`,
  );

  const metrics = new RunMetrics(options.slo, options.tokens);
  // Read on this machine only: a remote deployment's processes are not ours to see.
  const window: { start?: { at: number; reading: CpuReading }; end?: { at: number; reading: CpuReading } } =
    {};
  const readServer = isLocalUrl(options.url)
    ? (edge: 'start' | 'end') => (window[edge] = { at: performance.now(), reading: readGroups() })
    : undefined;
  try {
    const outcome = await runOpenModel({
      options,
      conversations,
      users,
      target,
      metrics,
      proofs,
      progress: log,
      onWindow: readServer,
    });
    const results = metrics.figures(outcome.windowStartAt, options.durationS * 1000);
    const serverCpu: ServerCpu | undefined =
      window.start && window.end
        ? cpuBetween(
            window.start.reading,
            window.end.reading,
            window.end.at - window.start.at,
            results.completed,
          )
        : undefined;
    if (proofs) {
      log('waiting for outstanding proofs');
      await waitForProofs(proofs, options.proofsWaitS);
    }
    return {
      tool: 'twinproof-chat-load',
      startedAt,
      // The creator key is a credential: the report says only whether one was given.
      parameters: { ...options, creatorKey: options.creatorKey ? '(given)' : undefined },
      setup: {
        users: users.length,
        signedUp,
        persona: { slug: persona.slug, modelId: persona.modelId, created: persona.created },
        conversations: conversations.length,
        warmupConversations,
        connections: options.target === 'socket' || options.proofs ? users.length : 0,
        seconds: Math.round(setupSeconds * 10) / 10,
      },
      offeredConversationsPerS: (plan.conversations.length - warmupConversations) / options.durationS,
      counts: outcome.counts,
      results,
      serverCpu,
      generator: outcome.generator,
      proofs: proofs?.figures(),
      anomalies: target.anomalies(),
    };
  } finally {
    await target.close();
  }
}

/** Whole runs at rising rates until goodput stops rising (load/sweep.ts); each step's report, then the curve. */
async function sweep(
  options: LoadOptions,
  plan: SweepPlan,
): Promise<{ tool: 'twinproof-chat-load-sweep'; points: SweepPoint[]; runs: ChatLoadReport[] }> {
  // The same consumers for every step: signing up a new set per step would meet the sign-up limit.
  const keysFile = options.keysFile ?? join(mkdtempSync(join(tmpdir(), 'twinproof-sweep-')), 'keys.json');
  const points: SweepPoint[] = [];
  const runs: ChatLoadReport[] = [];
  for (let rate = nextRate(plan, points); rate !== undefined; rate = nextRate(plan, points)) {
    log(`sweep step ${points.length + 1}: ${rate}/s`);
    const report = await run({ ...options, rate, keysFile });
    process.stdout.write(formatReport(report) + formatServerCpu(report.serverCpu));
    runs.push(report);
    const { results } = report;
    points.push({
      offeredPerS: results.offered / options.durationS,
      achievedPerS: results.achievedPerS,
      goodputPerS: results.goodputPerS,
      ttftP50Ms: results.latency.ttft?.p50,
      ttftP99Ms: results.latency.ttft?.p99,
      failed: results.failed,
      cpuMsPerMessage: report.serverCpu?.totalMsPerMessage,
    });
  }
  process.stdout.write(formatSweep(points));
  return { tool: 'twinproof-chat-load-sweep', points, runs };
}

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
    const result = options.sweep ? await sweep(options, options.sweep) : await run(options);
    if (!options.sweep) {
      const report = result as ChatLoadReport;
      process.stdout.write(formatReport(report) + formatServerCpu(report.serverCpu));
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
