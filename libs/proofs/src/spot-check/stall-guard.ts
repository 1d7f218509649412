/**
 * An abort signal that fires when nothing arrives for `idleMs` (the first token, each next one, the receipt) or when
 * the whole call passes `totalMs`: a checker that accepts the call and then stays silent must not hold the job.
 */
export class StallGuard {
  private readonly idle = new AbortController();
  private timer?: NodeJS.Timeout;
  readonly signal: AbortSignal;

  constructor(
    readonly idleMs: number,
    totalMs: number,
  ) {
    this.signal = AbortSignal.any([this.idle.signal, AbortSignal.timeout(totalMs)]);
    this.touch();
  }

  /** Something arrived: the silence starts again from now. */
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.idle.abort(new Error(`no token for ${this.idleMs} ms`)), this.idleMs);
    this.timer.unref();
  }

  /** Whether the call was cut for silence (rather than failing by itself). */
  get stalled(): boolean {
    return this.idle.signal.aborted;
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
