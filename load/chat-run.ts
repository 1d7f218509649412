import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoUsers, LoadOptions } from './args';
import { RunMetrics } from './metrics';
import { OpenAiTarget } from './openai-target';
import { buildPlan } from './poisson';
import { ProofTracker } from './proofs';
import { cpuBetween, CpuReading, isLocalUrl, readGroups, ServerCpu } from './process-cpu';
import type { LoadReport } from './report';
import { BUCKET_EDGES_MS, RequestLog, RequestTable } from './requests';
import { runOpenModel } from './runner';
import { prepareConversations, preparePersona, prepareUsers, SetupError } from './setup';
import { SocketTarget } from './socket-target';
import { nextRate, type SweepPlan, type SweepPoint } from './sweep';
import type { ChatTarget } from './target';

// One open-model chat run, or a sweep of them, against a running platform: what chat-load.ts and the chat-like
// scenarios of `npm run load` (load/scenarios/) share. Progress goes to stderr.

const log = (line: string): void => void process.stderr.write(`[load] ${line}\n`);

/** The report, with the server's CPU per message when the platform runs on this machine. */
export type ChatLoadReport = LoadReport & { serverCpu?: ServerCpu };

/** A run's report plus every request it made and its pooled token gaps (for report.json and the HTML charts). */
export interface ChatRun {
  report: ChatLoadReport;
  requests: RequestTable;
  /** Measured inter-token gaps, counted per bucket (upper edges in ms). */
  itl: { edgesMs: readonly number[]; counts: number[] };
}

export interface ChatSweep {
  points: SweepPoint[];
  runs: ChatRun[];
}

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

export async function run(options: LoadOptions): Promise<ChatRun> {
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
  const requests = new RequestLog();
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
      requests,
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
            // The work the window saw: turns (warm-up ones too) that ended inside it. Under saturation the measured
            // turns end long after it, and dividing by them undercounted the CPU per message by half at 200/s.
            outcome.completedInWindow,
          )
        : undefined;
    if (proofs) {
      log('waiting for outstanding proofs');
      await waitForProofs(proofs, options.proofsWaitS);
    }
    const report: ChatLoadReport = {
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
    return {
      report,
      requests: requests.table(outcome.windowStartAt),
      itl: { edgesMs: BUCKET_EDGES_MS, counts: requests.itl.counts },
    };
  } finally {
    await target.close();
  }
}

/**
 * Whole runs at rising rates until goodput stops rising (load/sweep.ts); each step's run, then the curve. onStep sees
 * each step's run as it ends (chat-load prints its table).
 */
export async function sweep(
  options: LoadOptions,
  plan: SweepPlan,
  onStep: (run: ChatRun) => void = () => undefined,
): Promise<ChatSweep> {
  // Each step with consumers of its own: the previous step's have spent their per-minute send limit, and reusing them
  // made a step refuse its own sends (RATE_LIMITED) and the sweep report a knee the generator caused. They are kept
  // in one keys file, so a sweep run again (--keys-file) signs up no one new.
  const keysFile = options.keysFile ?? join(mkdtempSync(join(tmpdir(), 'twinproof-sweep-')), 'keys.json');
  let userOffset = options.userOffset ?? 0;
  const points: SweepPoint[] = [];
  const runs: ChatRun[] = [];
  for (let rate = nextRate(plan, points); rate !== undefined; rate = nextRate(plan, points)) {
    log(`sweep step ${points.length + 1}: ${rate}/s`);
    const step = await run({ ...options, rate, keysFile, userOffset });
    userOffset += step.report.setup.users;
    onStep(step);
    runs.push(step);
    const { report } = step;
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
  return { points, runs };
}
