import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/config';
import type { Node } from '@app/database';
import { NodesRepository } from '../nodes.repository';
import { RouterIdentity } from '../router-identity';
import { HEALTHY_WITHIN_HEARTBEATS } from './node-health';
import { probeNode } from './node-prober-call';

/** Probes in flight at once: a round of many slow (Sybil) nodes must not open hundreds of sockets. */
export const PROBE_CONCURRENCY = 8;
const PROBE_TIMEOUT_MS = 2_000;
// Looks for due nodes this often, so a new node is probed within a second, not a whole heartbeat interval (60 s on
// some setups); a node is probed again only once its last probe is a heartbeat interval old.
const TICK_MS = 1_000;
const ROUND_LIMIT = 256;
// A failing node is tried again 1, 2, then 4 intervals later, not every tick: a fleet of nodes that never answer
// costs the prober little, and a node that comes back is healthy again within about 4 intervals.
const MAX_BACKOFF_INTERVALS = 4;

interface FailureStreak {
  failures: number;
  retryAt: number;
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
      this.running ??= this.round()
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

  /** Probes every node that is due now; resolves when they have all answered or timed out. */
  async round(now = Date.now()): Promise<void> {
    const { heartbeatMs } = this.config.network;
    this.forgetOldStreaks(now, heartbeatMs);
    const due = await this.nodes.listDueProbe(
      new Date(now - heartbeatMs),
      new Date(now - HEALTHY_WITHIN_HEARTBEATS * heartbeatMs),
      [...this.failing].filter(([, streak]) => streak.retryAt > now).map(([id]) => id),
      ROUND_LIMIT,
    );
    const queue = [...due];
    const worker = async (): Promise<void> => {
      for (let node = queue.shift(); node && !this.stop.signal.aborted; node = queue.shift())
        await this.probe(node, heartbeatMs);
    };
    await Promise.all(Array.from({ length: Math.min(PROBE_CONCURRENCY, queue.length) }, worker));
  }

  private async probe(node: Node, heartbeatMs: number): Promise<void> {
    const timeoutMs = Math.min(heartbeatMs, PROBE_TIMEOUT_MS);
    const outcome = await probeNode(node, this.router, timeoutMs, this.stop.signal);
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
    this.failing.set(node.id, { failures, retryAt: Date.now() + backoff });
  }

  // A node revoked, or silent long enough to be unhealthy anyway, is not due again: its streak is dropped.
  private forgetOldStreaks(now: number, heartbeatMs: number): void {
    for (const [id, streak] of this.failing)
      if (now - streak.retryAt > HEALTHY_WITHIN_HEARTBEATS * heartbeatMs) this.failing.delete(id);
  }
}
