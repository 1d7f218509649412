import { parseArgs } from './args';
import { RunMetrics } from './metrics';
import { buildPlan } from './poisson';
import { runOpenModel } from './runner';
import type { ReadyConversation } from './setup';
import type { ChatTarget, TurnRequest } from './target';

/** Answers every turn 2 ms after it is sent, with three tokens; the first turn it sees blocks the process. */
class StallingTarget implements ChatTarget {
  readonly kind = 'socket';
  private stalled = false;

  constructor(private readonly stallMs: number) {}

  async turn({ timeline }: TurnRequest): Promise<void> {
    timeline.sentAt = performance.now();
    if (!this.stalled) {
      this.stalled = true;
      // A synchronous stall, like a long GC pause or a CPU-starved client: nothing else can run meanwhile.
      const until = performance.now() + this.stallMs;
      while (performance.now() < until);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
    const at = performance.now();
    timeline.ackAt = at;
    timeline.tokenAt.push(at, at, at);
    timeline.doneAt = timeline.endedAt = at;
  }

  anomalies(): Record<string, number> {
    return {};
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('runOpenModel', () => {
  it('charges a generator stall to the latency of every turn that fell due during it', async () => {
    const options = parseArgs(['--rate', '100', '--duration', '1', '--warmup', '0', '--turns', '1']);
    const plan = buildPlan({ rate: 100, warmupMs: 0, durationMs: 1000, turns: 1, thinkMs: 0, seed: 3 });
    const conversations: ReadyConversation[] = plan.conversations.map((p) => ({
      plan: p,
      userIndex: 0,
      conversationId: `c${p.index}`,
    }));
    const metrics = new RunMetrics({ ttftMs: 100 }, 'events');
    const outcome = await runOpenModel({
      options,
      conversations,
      users: [{ handle: 'u', apiKey: 'k' }],
      target: new StallingTarget(300),
      metrics,
      progress: () => undefined,
    });
    const figures = metrics.figures(outcome.windowStartAt, 1000);

    // The platform answered every turn in ~2 ms, yet ~30 turns fell due during the 300 ms stall: measured from
    // when they were due, they waited up to the whole stall. A closed loop, or a clock started at the actual
    // send, would have reported ~2 ms for all of them.
    expect(figures.offered).toBe(conversations.length);
    expect(figures.lag?.max).toBeGreaterThan(250);
    expect(figures.latency.ttft?.max).toBeGreaterThan(250);
    // Turns due after the stall are served at once again (a loose bound: CI machines are busy).
    expect(figures.latency.ttft?.p50).toBeLessThan(figures.latency.ttft!.max / 2);
    expect(figures.good).toBeLessThan(figures.completed);
    expect(outcome.counts.turns).toBe(conversations.length);
  });

  it('opens and closes the measured window once each, closing it early when every turn has ended, and counts the turns that ended inside it', async () => {
    const options = parseArgs(['--rate', '20', '--duration', '5', '--warmup', '0.2', '--turns', '1']);
    // Arrivals only in the first second of a 5 s window: every turn ends long before the window would close.
    const plan = buildPlan({ rate: 20, warmupMs: 200, durationMs: 800, turns: 1, thinkMs: 0, seed: 5 });
    const conversations: ReadyConversation[] = plan.conversations.map((p) => ({
      plan: p,
      userIndex: 0,
      conversationId: `c${p.index}`,
    }));
    const edges: { edge: string; at: number }[] = [];
    const started = performance.now();
    const outcome = await runOpenModel({
      options,
      conversations,
      users: [{ handle: 'u', apiKey: 'k' }],
      target: new StallingTarget(0),
      metrics: new RunMetrics({}, 'events'),
      progress: () => undefined,
      onWindow: (edge) => edges.push({ edge, at: performance.now() }),
    });
    expect(edges.map((e) => e.edge)).toEqual(['start', 'end']);
    expect((edges[1]?.at ?? Infinity) - started).toBeLessThan(4_000);
    const measured = plan.conversations.filter((c) => !c.warmup).length;
    expect(outcome.completedInWindow).toBeGreaterThanOrEqual(measured);
    expect(outcome.completedInWindow).toBeLessThanOrEqual(conversations.length);
  });
});
