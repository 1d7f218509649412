/**
 * Replay protection (RFC 9458 §6.5): each encapsulated request carries a fresh HPKE `enc`, so a second request with the
 * same `enc` under the same key is a copy. Remembered per key id until that key is retired, which bounds the memory to
 * the requests of one key's lifetime; past `maxPerKey` the gateway rotates early (the caller's choice) rather than
 * forget, so a replay is never accepted because the cache was full.
 */
export class SeenRequests {
  private readonly byKey = new Map<number, Set<string>>();

  constructor(private readonly maxPerKey = 500_000) {}

  /** true the first time this (key, enc) is seen; false for a copy. */
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
}
