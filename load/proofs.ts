import { LatencyHistogram, LatencySummary } from './histogram';
import type { TurnTimeline } from './metrics';

/** docs/realtime.md's proof:update payload; fields beyond these are ignored. */
export interface ProofUpdate {
  inferenceId?: string;
  messageId?: string;
  status?: string;
}

export interface ProofFigures {
  updatesSeen: number;
  statuses: Record<string, number>;
  /** Measured replies that ended with an inference id or message id to follow. */
  tracked: number;
  anchored: number;
  /** message:done (or the final chunk) → first 'anchored' update, ms. */
  anchorLag?: LatencySummary;
  lagByStatus: Record<string, LatencySummary | undefined>;
}

/** Reply end → first proof:update of each status, by inference or message id; an update may beat the reply's end. */
export class ProofTracker {
  private readonly firstSeen = new Map<string, Map<string, number>>();
  private readonly ended: { keys: string[]; at: number }[] = [];
  private readonly statuses: Record<string, number> = {};
  private updates = 0;

  update(event: ProofUpdate, at: number): void {
    this.updates += 1;
    const status = typeof event.status === 'string' ? event.status : 'unknown';
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    for (const key of [event.inferenceId, event.messageId]) {
      if (typeof key !== 'string') continue;
      const seen = this.firstSeen.get(key) ?? new Map<string, number>();
      if (!seen.has(status)) seen.set(status, at);
      this.firstSeen.set(key, seen);
    }
  }

  track(timeline: TurnTimeline): void {
    if (!timeline.measured || timeline.doneAt === undefined) return;
    const keys = [timeline.inferenceId, timeline.messageId].filter((k): k is string => typeof k === 'string');
    if (keys.length > 0) this.ended.push({ keys, at: timeline.doneAt });
  }

  get updatesSeen(): number {
    return this.updates;
  }

  private statusAt(keys: readonly string[], status: string): number | undefined {
    const times = keys.map((k) => this.firstSeen.get(k)?.get(status)).filter((t) => t !== undefined);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  settled(): boolean {
    return this.ended.every(
      ({ keys }) =>
        this.statusAt(keys, 'anchored') !== undefined || this.statusAt(keys, 'failed') !== undefined,
    );
  }

  figures(): ProofFigures {
    const byStatus = new Map<string, LatencyHistogram>();
    let anchored = 0;
    for (const { keys, at } of this.ended) {
      for (const status of Object.keys(this.statuses)) {
        const seenAt = this.statusAt(keys, status);
        if (seenAt === undefined) continue;
        if (status === 'anchored') anchored += 1;
        const histogram = byStatus.get(status) ?? new LatencyHistogram();
        // An update that beat the reply's end (a 'pending' sent at once) counts as no lag at all.
        histogram.record(Math.max(0, seenAt - at));
        byStatus.set(status, histogram);
      }
    }
    const lagByStatus = Object.fromEntries([...byStatus].map(([status, h]) => [status, h.summary()]));
    return {
      updatesSeen: this.updates,
      statuses: { ...this.statuses },
      tracked: this.ended.length,
      anchored,
      anchorLag: lagByStatus.anchored,
      lagByStatus,
    };
  }
}
