export const BREAKER_FAILURES_TO_OPEN = 3;
export const BREAKER_HALF_OPEN_AFTER_MS = 10_000;

type BreakerState =
  | { kind: 'closed'; failures: number }
  | { kind: 'open'; since: number }
  | { kind: 'half-open'; trialInFlight: boolean };

/**
 * Per node: open after 3 consecutive failures, so a dead node stops costing each reply an attempt; after 10 s one
 * trial goes through (half-open), and its outcome closes or reopens the circuit.
 */
export class CircuitBreaker {
  private readonly states = new Map<string, BreakerState>();

  constructor(
    private readonly failuresToOpen = BREAKER_FAILURES_TO_OPEN,
    private readonly halfOpenAfterMs = BREAKER_HALF_OPEN_AFTER_MS,
  ) {}

  /** Whether a request may go to the node now; does not claim the half-open trial (see `claim`). */
  allows(key: string, now = Date.now()): boolean {
    const state = this.current(key, now);
    return state.kind === 'closed' || (state.kind === 'half-open' && !state.trialInFlight);
  }

  /** Call when a request is sent: in half-open, it is the one trial until its outcome is known. */
  claim(key: string, now = Date.now()): void {
    const state = this.current(key, now);
    if (state.kind === 'half-open') this.states.set(key, { kind: 'half-open', trialInFlight: true });
  }

  succeeded(key: string): void {
    this.states.delete(key);
  }

  failed(key: string, now = Date.now()): void {
    const state = this.current(key, now);
    if (state.kind === 'closed' && state.failures + 1 < this.failuresToOpen) {
      this.states.set(key, { kind: 'closed', failures: state.failures + 1 });
      return;
    }
    this.states.set(key, { kind: 'open', since: now });
  }

  /** Nothing listens at the node's address: no use trying it again before the half-open trial. */
  tripped(key: string, now = Date.now()): void {
    this.states.set(key, { kind: 'open', since: now });
  }

  /** A request that ended without telling anything about the node (the caller cancelled it). */
  released(key: string): void {
    const state = this.states.get(key);
    if (state?.kind === 'half-open') this.states.set(key, { kind: 'half-open', trialInFlight: false });
  }

  /** Open and not yet due its half-open trial. Reads only: unlike `allows`, asking never moves the state on. */
  isOpen(key: string, now = Date.now()): boolean {
    const state = this.states.get(key);
    return state?.kind === 'open' && now - state.since < this.halfOpenAfterMs;
  }

  state(key: string, now = Date.now()): BreakerState['kind'] {
    return this.current(key, now).kind;
  }

  private current(key: string, now: number): BreakerState {
    const state = this.states.get(key) ?? { kind: 'closed', failures: 0 };
    if (state.kind === 'open' && now - state.since >= this.halfOpenAfterMs) {
      const halfOpen: BreakerState = { kind: 'half-open', trialInFlight: false };
      this.states.set(key, halfOpen);
      return halfOpen;
    }
    return state;
  }
}
