import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/config';
import type { Node } from '@app/database';
import { NodesRepository } from '../nodes.repository';
import { RouterIdentity } from '../router-identity';
import { HEALTHY_WITHIN_HEARTBEATS } from './node-health';
import { probeNode, type ProbeOutcome } from './node-prober-call';
import { orderProbes } from './probe-order';

/**
 * Probes in flight at once: enough that nodes which never answer cannot use up a health window (docs/network.md), few
 * enough that a round of slow (Sybil) nodes does not open hundreds of sockets.
 */
export const PROBE_CONCURRENCY = 32;
/** Nodes one round probes at most: one per worker, so a round lasts one probe deadline at worst. */
export const ROUND_SLOTS = PROBE_CONCURRENCY;
const PROBE_TIMEOUT_MS = 2_000;
// A node whose last probe failed gets a short timeout: a fleet of silent nodes costs a quarter of the time. Every
// FULL_TIMEOUT_EVERY-th try of a streak gets the full timeout, so an honest node on a slow link can come back.
const FAILING_TIMEOUT_MS = 500;
const FULL_TIMEOUT_EVERY = 4;
// On top of a probe's own timeout, the most round() waits for it: a probe whose abort never fires (HIGH 1) is
// counted failed, and cannot hold `running` and stop every later round.
const PROBE_DEADLINE_GRACE_MS = 250;
// Looks for due nodes this often, so a new node is probed within a second, not a whole heartbeat interval (60 s on
// some setups); a node is probed again only once its last probe is a heartbeat interval old.
const TICK_MS = 1_000;
// A failing node is tried again 1, 2, then 4 intervals later, not every tick: a fleet of nodes that never answer
// costs the prober little, and a node that comes back is healthy again within about 4 intervals.
const MAX_BACKOFF_INTERVALS = 4;
// A streak is kept until the node answers, however late the prober runs (forgetting it would reset the backoff);
// only one untouched this long (the node revoked or gone silent) is dropped, so the map does not grow for ever.
const FORGET_STREAK_AFTER_MS = 3_600_000;

interface FailureStreak {
  failures: number;
  retryAt: number;
  failedAt: number;
}

/**
 * The api's liveness probes (docs/network.md, Liveness probes): a node that heartbeats but does not answer at its
 * registered URL with its key gets no `probedAt`, and isHealthy leaves it out of routing, spot checks and the counts.
 */
@Injectable()
export class NodeProber implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(NodeProber.name);
  private readonly failing = new Map<string, FailureStreak>();
  private readonly stop = new AbortController();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private roundFailing = false;

  constructor(
    private readonly config: AppConfig,
    private readonly nodes: NodesRepository,
    private readonly router: RouterIdentity,
  ) {}

  onApplicationBootstrap(): void {
    const tickMs = Math.min(TICK_MS, this.config.network.heartbeatMs);
    this.timer = setInterval(() => {
      this.running ??= this.roundsWhileDue()
        .then(() => {
          if (this.roundFailing) this.logger.log('Probe rounds run again');
          this.roundFailing = false;
        })
        // Postgres down: said once, not every second until it is back.
        .catch((error: unknown) => {
          if (!this.roundFailing) this.logger.warn(`Probe round failed: ${String(error)}`);
          this.roundFailing = true;
        })
        .finally(() => (this.running = undefined));
    }, tickMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.stop.abort();
    await this.running;
  }

  // A round waits for its slowest probe: while rounds are full (more nodes due than slots) the next starts at once,
  // not a tick later, so a healthy node waits about one round once it is due. A round that was not full took every
  // node due: the next tick will do.
  private async roundsWhileDue(): Promise<void> {
    while (!this.stop.signal.aborted && (await this.round()) >= ROUND_SLOTS);
  }

  /**
   * Probes the nodes due now, at most ROUND_SLOTS, in probe-order.ts's order; resolves when each has answered, timed
   * out or passed its deadline, with how many it probed.
   */
  async round(now = Date.now()): Promise<number> {
    const { heartbeatMs } = this.config.network;
    this.forgetOldStreaks(now);
    const lanes = await this.nodes.listDueProbe({
      probedBefore: new Date(now - heartbeatMs),
      healthySince: new Date(now - HEALTHY_WITHIN_HEARTBEATS * heartbeatMs),
      heartbeatSince: new Date(now - HEALTHY_WITHIN_HEARTBEATS * heartbeatMs),
      skipIds: [...this.failing].filter(([, streak]) => streak.retryAt > now).map(([id]) => id),
      failingIds: [...this.failing.keys()],
      limit: ROUND_SLOTS,
      perOperator: ROUND_SLOTS,
    });
    // Fewest failures first (stable): a node that missed one probe goes before one that never answered.
    const failures = (id: string): number => this.failing.get(id)?.failures ?? 0;
    lanes.probation.sort((a, b) => failures(a.id) - failures(b.id));
    const queue = orderProbes(lanes, ROUND_SLOTS);
    const probed = queue.length;
    const worker = async (): Promise<void> => {
      for (let node = queue.shift(); node && !this.stop.signal.aborted; node = queue.shift())
        await this.probe(node, heartbeatMs);
    };
    await Promise.all(Array.from({ length: Math.min(PROBE_CONCURRENCY, queue.length) }, worker));
    return probed;
  }

  private timeoutFor(nodeId: string, heartbeatMs: number): number {
    const failures = this.failing.get(nodeId)?.failures ?? 0;
    const short = failures > 0 && failures % FULL_TIMEOUT_EVERY !== 0;
    return Math.min(heartbeatMs, short ? FAILING_TIMEOUT_MS : PROBE_TIMEOUT_MS);
  }

  private async probe(node: Node, heartbeatMs: number): Promise<void> {
    const timeoutMs = this.timeoutFor(node.id, heartbeatMs);
    const outcome = await withDeadline(
      probeNode(node, this.router, timeoutMs, this.stop.signal),
      timeoutMs + PROBE_DEADLINE_GRACE_MS,
    );
    if (this.stop.signal.aborted) return;
    if (outcome.ok) {
      await this.nodes.recordProbe(node, new Date());
      if (this.failing.delete(node.id)) this.logger.log(`Node ${node.id} answers its liveness probe again`);
      return;
    }
    // Once per streak: a Sybil node that never answers must not fill the log every interval.
    const failures = (this.failing.get(node.id)?.failures ?? 0) + 1;
    if (failures === 1)
      this.logger.warn(`Node ${node.id} at ${node.url} failed its liveness probe: ${outcome.reason}`);
    const backoff = Math.min(2 ** (failures - 1), MAX_BACKOFF_INTERVALS) * heartbeatMs;
    const failedAt = Date.now();
    this.failing.set(node.id, { failures, retryAt: failedAt + backoff, failedAt });
  }

  private forgetOldStreaks(now: number): void {
    for (const [id, streak] of this.failing)
      if (now - streak.failedAt > FORGET_STREAK_AFTER_MS) this.failing.delete(id);
  }
}

/** The probe's outcome, or a failure once `ms` have passed: whatever the probe does, the caller goes on. */
export async function withDeadline(probe: Promise<ProbeOutcome>, ms: number): Promise<ProbeOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<ProbeOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no outcome within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([probe, late]);
  } finally {
    clearTimeout(timer);
  }
}
