// Weight of the newest sample in the moving average: recent enough to follow a node that slows down, smooth enough
// that one slow first token does not send all traffic elsewhere.
const TTFT_SMOOTHING = 0.3;

/** The router's own view of each node's load: the streams it has open to it, and its recent time to first token. */
export class NodeLoad {
  private readonly open = new Map<string, number>();
  private readonly ttft = new Map<string, number>();

  opened(key: string): void {
    this.open.set(key, this.outstanding(key) + 1);
  }

  closed(key: string): void {
    const left = this.outstanding(key) - 1;
    if (left > 0) this.open.set(key, left);
    else this.open.delete(key);
  }

  outstanding(key: string): number {
    return this.open.get(key) ?? 0;
  }

  firstToken(key: string, ms: number): void {
    const previous = this.ttft.get(key);
    this.ttft.set(key, previous === undefined ? ms : previous + TTFT_SMOOTHING * (ms - previous));
  }

  /** 0 for a node not yet measured, so a new node gets tried. */
  recentTtft(key: string): number {
    return this.ttft.get(key) ?? 0;
  }
}
