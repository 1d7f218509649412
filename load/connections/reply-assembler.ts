/**
 * One streamed reply put back together from live `message:token` events and a resume's `missed` tokens
 * (docs/realtime.md): a token may arrive both live and in the resume's ack, so a seq already held is dropped; the
 * reply is whole when its seqs run 0..n-1 without a gap and their deltas join to `message:done`'s content.
 */
export class ReplyAssembler {
  private readonly deltas = new Map<number, string>();
  duplicates = 0;
  /** Duplicates whose text differed from the first copy: the live stream and the replay buffer disagree. */
  conflicts = 0;

  add(seq: number, delta: string): 'new' | 'duplicate' {
    const held = this.deltas.get(seq);
    if (held !== undefined) {
      this.duplicates += 1;
      if (held !== delta) this.conflicts += 1;
      return 'duplicate';
    }
    this.deltas.set(seq, delta);
    return 'new';
  }

  /** The last seq held with none missing before it: what a resume sends as `afterSeq` (−1 for none). */
  lastContiguousSeq(): number {
    let seq = -1;
    while (this.deltas.has(seq + 1)) seq += 1;
    return seq;
  }

  /** Seqs missing below the highest one held. */
  gaps(): number[] {
    const max = Math.max(-1, ...this.deltas.keys());
    const missing: number[] = [];
    for (let seq = 0; seq <= max; seq++) if (!this.deltas.has(seq)) missing.push(seq);
    return missing;
  }

  get tokens(): number {
    return this.deltas.size;
  }

  text(): string {
    return [...this.deltas.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, delta]) => delta)
      .join('');
  }
}
