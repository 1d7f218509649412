/**
 * Rendered card exports, least recently used first out, bounded by their total size. Persona versions are
 * immutable, so bytes rendered for one (version, format, timestamps) key stay right for as long as they are kept;
 * a new version, or a persona whose updatedAt moved, simply has another key. Who may read them is checked by the
 * caller on every request, before it asks here.
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
