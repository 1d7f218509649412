import { Injectable } from '@nestjs/common';

/** The inferences running now: the heartbeat reports their number, and SIGTERM waits for them. */
@Injectable()
export class NodeDrain {
  private readonly running = new Set<AbortController>();
  private idle?: () => void;
  draining = false;

  get outstanding(): number {
    return this.running.size;
  }

  /** Returns the release to call when the inference has ended, however it ended. */
  track(controller: AbortController): () => void {
    this.running.add(controller);
    return () => {
      this.running.delete(controller);
      if (this.running.size === 0) this.idle?.();
    };
  }

  /** Takes no new work, then waits for the running inferences up to `timeoutMs` and cuts those still running. */
  async drain(timeoutMs: number): Promise<{ cut: number }> {
    this.draining = true;
    if (this.running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.idle = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
    }
    const cut = this.running.size;
    for (const controller of this.running) controller.abort();
    return { cut };
  }
}
