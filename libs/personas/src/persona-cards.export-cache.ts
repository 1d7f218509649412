/**
 * Rendered card exports, least recently used out first, bounded by total size. Versions are immutable, so bytes for
 * a (version, format, timestamps) key stay right; the caller checks who may read them before asking here.
 */
export class RenderedCardCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    /** Larger renders are not kept, so one huge export cannot empty the cache. */
    private readonly maxEntryBytes: number = maxBytes / 4,
  ) {}

  get(key: string): Buffer | undefined {
    const found = this.entries.get(key);
    if (found) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, found);
    }
    return found;
  }

  set(key: string, value: Buffer): void {
    if (value.length > this.maxEntryBytes) return;
    this.delete(key);
    this.entries.set(key, value);
    this.bytes += value.length;
    for (const [oldest, bytes] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= bytes.length;
    }
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.bytes -= old.length;
  }
}
