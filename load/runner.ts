import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LoadOptions } from './args';
import type { RunMetrics, TurnTimeline } from './metrics';
import type { ProofTracker } from './proofs';
import type { RequestLog } from './requests';
import type { LoadUser, ReadyConversation } from './setup';
import { ABANDONING_ERRORS, ChatTarget } from './target';

export interface RunCounts {
  turns: number;
  /** Turns not sent because they fell due after the measured window closed. */
  skippedAfterWindow: number;
  /** Turns never sent because their conversation was given up after a TIMEOUT or DISCONNECTED. */
  abandoned: number;
}

export interface GeneratorFigures {
  /** The load generator's own event-loop delay, ms: high values mean the client, not the server, is the bottleneck. */
  eventLoopDelay: { p50: number; p99: number; max: number };
  /** CPU time of this process over the run, as a share of one core. */
  cpuPercent: number;
}

export interface RunOutcome {
  windowStartAt: number;
  counts: RunCounts;
  /**
   * Turns that ended inside the measured window, whenever they were due: what the server finished while its CPU was
   * read. Under saturation the measured turns end long after the window, so they would overstate the work done in it.
   */
  completedInWindow: number;
  generator: GeneratorFigures;
}

const MESSAGES = [
  'My dog is called Rex. What do you think of dogs?',
  'I live in Lisbon and I love the sea. Tell me something about it.',
  'What is my dog called?',
  'Tell me a short story about engines.',
  'I work as a nurse; night shifts are hard. Any advice?',
  'Where do I live?',
];

const LOOP_SAMPLE_MS = 5;

const sleepUntil = (at: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));

/**
 * Open model: each conversation starts at its planned arrival whatever the platform does (a closed loop slows down
 * with the platform and hides its stalls); a turn is due one think time after the previous reply. Late wake-ups
 * send at once, measured from when the turn was due.
 */
export async function runOpenModel(input: {
  options: LoadOptions;
  conversations: readonly ReadyConversation[];
  users: readonly LoadUser[];
  target: ChatTarget;
  metrics: RunMetrics;
  /** Every request, warm-up included, for the report's per-request records. */
  requests?: RequestLog;
  proofs?: ProofTracker;
  progress: (line: string) => void;
  /** Called when the measured window opens and when it closes (server CPU is read then). */
  onWindow?: (edge: 'start' | 'end') => void;
}): Promise<RunOutcome> {
  const { options, conversations, users, target, metrics, requests, proofs, progress, onWindow } = input;
  const counts: RunCounts = { turns: 0, skippedAfterWindow: 0, abandoned: 0 };
  // A short lead so the first arrivals are not late merely because the loop has only just started.
  const startAt = performance.now() + 50;
  const windowStartAt = startAt + options.warmupS * 1000;
  const windowEndAt = windowStartAt + options.durationS * 1000;
  const edges = new Set<'start' | 'end'>();
  const windowEdge = (edge: 'start' | 'end'): void => {
    if (edges.has(edge)) return;
    edges.add(edge);
    onWindow?.(edge);
  };
  const windowTimers = onWindow
    ? [
        setTimeout(() => windowEdge('start'), windowStartAt - performance.now()),
        setTimeout(() => windowEdge('end'), windowEndAt - performance.now()),
      ]
    : [];
  let inFlight = 0;
  let completed = 0;
  let completedInWindow = 0;
  let failed = 0;
  let maxLag = 0;

  const converse = async (conversation: ReadyConversation, arrivalAt: number): Promise<void> => {
    target.startConversation?.(conversation);
    let dueAt = arrivalAt;
    for (let turn = 0; turn < options.turns; turn++) {
      if (dueAt >= windowEndAt) {
        counts.skippedAfterWindow += options.turns - turn;
        return;
      }
      if (turn > 0) await sleepUntil(dueAt);
      const timeline: TurnTimeline = {
        conversation: conversation.plan.index,
        turn,
        measured: dueAt >= windowStartAt,
        intendedAt: dueAt,
        tokenAt: [],
      };
      counts.turns += 1;
      inFlight += 1;
      await target.turn({
        conversation,
        user: users[conversation.userIndex],
        content: MESSAGES[(conversation.plan.index + turn) % MESSAGES.length] ?? 'Hello!',
        timeline,
        timeoutMs: options.timeoutS * 1000,
      });
      inFlight -= 1;
      if (timeline.error === undefined) {
        completed += 1;
        const endedAt = timeline.endedAt ?? performance.now();
        if (endedAt >= windowStartAt && endedAt < windowEndAt) completedInWindow += 1;
      } else failed += 1;
      if (timeline.sentAt !== undefined) maxLag = Math.max(maxLag, timeline.sentAt - timeline.intendedAt);
      metrics.record(timeline);
      requests?.record(timeline, options.tokens);
      proofs?.track(timeline);
      if (timeline.error !== undefined && ABANDONING_ERRORS.has(timeline.error)) {
        counts.abandoned += options.turns - turn - 1;
        return;
      }
      dueAt = (timeline.endedAt ?? performance.now()) + (conversation.plan.thinkMs[turn] ?? 0);
    }
  };

  const ticker = setInterval(() => {
    const t = (performance.now() - startAt) / 1000;
    const phase =
      t < options.warmupS ? 'warm-up' : t < options.warmupS + options.durationS ? 'measuring' : 'draining';
    progress(
      `${t.toFixed(0).padStart(4)} s ${phase.padEnd(9)} in flight ${String(inFlight).padStart(5)}  ` +
        `done ${completed}  failed ${failed}  max lag ${maxLag.toFixed(1)} ms`,
    );
  }, 5_000);
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();

  const running: Promise<void>[] = [];
  for (const conversation of conversations) {
    const arrivalAt = startAt + conversation.plan.arrivalMs;
    if (arrivalAt > performance.now()) await sleepUntil(arrivalAt);
    running.push(converse(conversation, arrivalAt));
  }
  await Promise.all(running);

  clearInterval(ticker);
  // Every turn ended before the window closed (the last arrivals were quick): the window closes now, with all of them
  // counted. A run that ended before its window even opened has no server figures to read.
  windowTimers.forEach(clearTimeout);
  if (edges.has('start')) windowEdge('end');
  loopDelay.disable();
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - wallBefore;
  // Node's samples are whole intervals between timer ticks, so the sampling period itself comes off.
  const ms = (ns: number): number => Math.max(0, Math.round((ns / 1e6 - LOOP_SAMPLE_MS) * 100) / 100);
  return {
    windowStartAt,
    counts,
    completedInWindow,
    generator: {
      eventLoopDelay: {
        p50: ms(loopDelay.percentile(50)),
        p99: ms(loopDelay.percentile(99)),
        max: ms(loopDelay.max),
      },
      cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 10,
    },
  };
}
