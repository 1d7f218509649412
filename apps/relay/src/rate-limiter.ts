interface Bucket {
  tokens: number;
  at: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * A token bucket per client address, in memory: a relay is run by another operator than the api and shares no
 * Redis with it. The map is bounded: once full, a full bucket (an address idle for a minute, the same as one never
 * seen) is dropped first, then the least recently seen addresses. Many addresses can thus only reset each other's
 * buckets, not grow the process.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly maxAddresses = 100_000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.perMs = perMinute / 60_000;
  }

  get size(): number {
    return this.buckets.size;
  }

  take(address: string): RateDecision {
    const now = this.now();
    const bucket = this.buckets.get(address);
    let tokens = this.perMinute;
    if (bucket) {
      tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.perMs);
      // Re-inserted, so the map's order stays least recently seen first.
      this.buckets.delete(address);
    } else if (this.buckets.size >= this.maxAddresses) {
      this.evict(now);
    }
    if (tokens < 1) {
      this.buckets.set(address, { tokens, at: now });
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)) };
    }
    this.buckets.set(address, { tokens: tokens - 1, at: now });
    return { allowed: true };
  }

  private evict(now: number): void {
    for (const [address, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.perMinute) this.buckets.delete(address);
    }
    // Down to 90%, so the sweep above runs once per tenth of the map's size in new addresses, not once for each.
    const keep = Math.floor(this.maxAddresses * 0.9);
    for (const address of this.buckets.keys()) {
      if (this.buckets.size <= keep) break;
      this.buckets.delete(address);
    }
  }
}
