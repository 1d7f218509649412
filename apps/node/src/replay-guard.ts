/**
 * The inference ids this node has accepted, newest last, at most `capacity`. A router credential is fresh for 60 s,
 * so the window only needs to hold a minute of traffic; 100k ids is over 1,600 inferences a second.
 */
export class ReplayGuard {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 100_000) {}

  /** True the first time an id is offered, false for a replay. */
  accept(inferenceId: string): boolean {
    if (this.seen.has(inferenceId)) return false;
    this.seen.add(inferenceId);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
    return true;
  }
}
