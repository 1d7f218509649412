import { abortError, ModelError } from '../model-provider';

interface Waiter {
  grant: () => void;
  signal: AbortSignal;
  onAbort: () => void;
}

/**
 * Bounds how many replies a local model generates at once: one llama.cpp context holds `size` sequences (each with
 * its own KV cache) and each running reply holds one. Up to `maxWaiting` more wait in order; beyond that a reply is
 * refused at once with a retryable error, so the router tries another node instead of watching this one stall.
 */
export class SequenceSlots {
  private free: number;
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly size: number,
    private readonly maxWaiting: number,
  ) {
    this.free = size;
  }

  get busy(): number {
    return this.size - this.free;
  }

  /** Resolves with the function that gives the slot back (call it once). */
  async acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) throw abortError();
    if (this.free > 0) {
      this.free -= 1;
      return this.releaser();
    }
    if (this.waiting.length >= this.maxWaiting)
      throw new ModelError(`All ${this.size} sequences of the local model are busy`, true, 503);
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', waiter.onAbort);
          resolve();
        },
        signal,
        onAbort: () => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(abortError());
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiting.push(waiter);
    });
    return this.releaser();
  }

  // The slot passes straight to the first waiter, so a newcomer cannot overtake the queue.
  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.grant();
      else this.free += 1;
    };
  }
}
