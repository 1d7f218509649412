// A bounded min-heap over document numbers: the best k of n scored documents in O(n log k), kept in typed arrays
// so a broad query over a large hub neither sorts it all nor allocates per candidate.

export interface Scored {
  item: number;
  score: number;
}

export class TopK {
  private readonly items: Int32Array;
  private readonly scores: Float64Array;
  private length = 0;

  constructor(private readonly k: number) {
    this.items = new Int32Array(Math.max(0, k));
    this.scores = new Float64Array(Math.max(0, k));
  }

  offer(item: number, score: number): void {
    if (this.k <= 0) return;
    if (this.length < this.k) {
      this.items[this.length] = item;
      this.scores[this.length] = score;
      this.length += 1;
      this.up(this.length - 1);
      return;
    }
    // Most offers lose to the current minimum: one comparison and out.
    if (!better(score, item, this.scores[0], this.items[0])) return;
    this.items[0] = item;
    this.scores[0] = score;
    this.down(0);
  }

  /** Best first; equal scores go to the earlier-added document, so results are stable across runs. */
  sorted(): Scored[] {
    const out: Scored[] = [];
    for (let i = 0; i < this.length; i++) out.push({ item: this.items[i], score: this.scores[i] });
    return out.sort((a, b) => (better(a.score, a.item, b.score, b.item) ? -1 : 1));
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!better(this.scores[parent], this.items[parent], this.scores[i], this.items[i])) break;
      this.swap(parent, i);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (
        left < this.length &&
        better(this.scores[worst], this.items[worst], this.scores[left], this.items[left])
      )
        worst = left;
      if (
        right < this.length &&
        better(this.scores[worst], this.items[worst], this.scores[right], this.items[right])
      )
        worst = right;
      if (worst === i) return;
      this.swap(worst, i);
      i = worst;
    }
  }

  private swap(a: number, b: number): void {
    const item = this.items[a];
    const score = this.scores[a];
    this.items[a] = this.items[b];
    this.scores[a] = this.scores[b];
    this.items[b] = item;
    this.scores[b] = score;
  }
}

function better(scoreA: number, itemA: number, scoreB: number, itemB: number): boolean {
  return scoreA > scoreB || (scoreA === scoreB && itemA < itemB);
}
