import { LatencyHistogram } from '../histogram';
import { tally } from './figures';

const PROBE_TIMEOUT_MS = 5_000;

/**
 * GET /health every `everyMs` while connections are held: whether the api still answers quickly with thousands of
 * sockets open. One probe at a time, so a slow api is seen as slow probes rather than a pile of them.
 */
export class HealthProbe {
  readonly latencyMs = new LatencyHistogram();
  readonly failures: Record<string, number> = {};
  /** Every probe as [seconds since start, ms], for the report's chart. */
  readonly points: [number, number][] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly start = performance.now();

  constructor(
    private readonly url: string,
    private readonly everyMs: number,
  ) {}

  begin(): this {
    const tick = (): void => {
      if (this.stopped) return;
      this.running = this.probe().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.everyMs);
      });
    };
    tick();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private async probe(): Promise<void> {
    const sentAt = performance.now();
    try {
      const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await response.arrayBuffer();
      const ms = performance.now() - sentAt;
      if (!response.ok) return tally(this.failures, `HTTP_${response.status}`);
      this.latencyMs.record(ms);
      this.points.push([Math.round((sentAt - this.start) / 100) / 10, Math.round(ms * 100) / 100]);
    } catch (error) {
      tally(this.failures, error instanceof Error && error.name === 'TimeoutError' ? 'TIMEOUT' : 'NETWORK');
    }
  }
}
