/**
 * An abort signal that fires when nothing arrives for `idleMs` (the first token, each next one, the receipt) or when
 * the whole call passes `totalMs`: a checker that accepts the call and then stays silent, or trickles a token just
 * inside `idleMs`, must not hold the job.
 *
 * Plain timers on one controller, not AbortSignal.any([.., AbortSignal.timeout()]): on Node 20 GC may collect the
 * inner timeout signal of AbortSignal.any, so its timeout never fires (nodejs/node#57736).
 */
export class StallGuard {
  private readonly controller = new AbortController();
  private idleTimer?: NodeJS.Timeout;
  private readonly totalTimer: NodeJS.Timeout;
  private cut?: 'stalled' | 'too slow';
  readonly signal = this.controller.signal;

  constructor(
    readonly idleMs: number,
    readonly totalMs: number,
  ) {
    this.totalTimer = setTimeout(
      () => this.abort('too slow', `no whole reply within ${totalMs} ms`),
      totalMs,
    );
    this.totalTimer.unref();
    this.touch();
  }

  /** Something arrived: the silence starts again from now. */
  touch(): void {
    if (this.controller.signal.aborted) return;
    if (this.idleTimer) {
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => this.abort('stalled', `no token for ${this.idleMs} ms`), this.idleMs);
    this.idleTimer.unref();
  }

  /** Why the guard cut the call: silent for idleMs, or slower in all than totalMs; undefined when it failed by itself. */
  get reason(): 'stalled' | 'too slow' | undefined {
    return this.cut;
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.totalTimer);
  }

  private abort(cut: 'stalled' | 'too slow', message: string): void {
    if (this.controller.signal.aborted) return;
    this.cut = cut;
    this.dispose();
    this.controller.abort(new Error(message));
  }
}
