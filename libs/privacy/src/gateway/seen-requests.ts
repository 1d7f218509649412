/** Replay protection (RFC 9458 §6.5): whether an encapsulated request's `enc` was seen before under that key. */
export interface ReplayCheck {
  /** true the first time this (key, enc) is seen; false for a copy. */
  firstTime(keyId: number, enc: Uint8Array): boolean | Promise<boolean>;
  /** Forgets what no longer matters, and says when the current key should be replaced early (optional). */
  afterRequest?(keyId: number, accepts: (keyId: number) => boolean): { rotate: boolean };
}

/**
 * Replay protection in this process's memory (a node's gateway): each encapsulated request carries a fresh HPKE
 * `enc`, so a second request with the same `enc` under the same key is a copy. Remembered per key id until that key
 * is retired, which bounds the memory to the requests of one key's lifetime; past `maxPerKey` the gateway rotates
 * early rather than forget, so a replay is never accepted because the cache was full.
 */
export class SeenRequests implements ReplayCheck {
  private readonly byKey = new Map<number, Set<string>>();

  constructor(private readonly maxPerKey = 500_000) {}

  firstTime(keyId: number, enc: Uint8Array): boolean {
    let seen = this.byKey.get(keyId);
    if (!seen) {
      seen = new Set();
      this.byKey.set(keyId, seen);
    }
    const id = Buffer.from(enc).toString('base64');
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  }

  full(keyId: number): boolean {
    return (this.byKey.get(keyId)?.size ?? 0) >= this.maxPerKey;
  }

  /** Forgets the requests of keys no longer accepted: their copies fail decapsulation anyway. */
  prune(accepts: (keyId: number) => boolean): void {
    for (const keyId of this.byKey.keys()) if (!accepts(keyId)) this.byKey.delete(keyId);
  }

  afterRequest(keyId: number, accepts: (keyId: number) => boolean): { rotate: boolean } {
    this.prune(accepts);
    return { rotate: this.full(keyId) };
  }
}
