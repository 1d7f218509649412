// A BM25F inverted index with incremental add and remove. Field weights and length normalisation are folded
// into one saturated term weight per posting at add time, so a query costs one multiply-add per posting.

const K1 = 1.2;
const B = 0.75;

export interface FieldText {
  terms: string[];
  weight: number;
  field: string;
}

interface Postings {
  docs: Int32Array;
  weights: Float32Array;
  length: number;
  live: number;
}

function emptyPostings(capacity = 4): Postings {
  return { docs: new Int32Array(capacity), weights: new Float32Array(capacity), length: 0, live: 0 };
}

function append(list: Postings, doc: number, weight: number): void {
  if (list.length === list.docs.length) {
    const docs = new Int32Array(list.docs.length * 2);
    docs.set(list.docs);
    const weights = new Float32Array(list.weights.length * 2);
    weights.set(list.weights);
    list.docs = docs;
    list.weights = weights;
  }
  list.docs[list.length] = doc;
  list.weights[list.length] = weight;
  list.length += 1;
}

export class InvertedIndex {
  private readonly postings = new Map<string, Postings>();
  private readonly fieldLength = new Map<string, { total: number; count: number }>();
  private dead = 0;
  liveCount = 0;

  /** Indexes a document under a number the caller owns; the number must not be in use. */
  add(docNumber: number, fields: FieldText[]): void {
    const pseudoTf = new Map<string, number>();
    for (const { terms, weight, field } of fields) {
      if (terms.length === 0) continue;
      const stats = this.fieldLength.get(field) ?? { total: 0, count: 0 };
      stats.total += terms.length;
      stats.count += 1;
      this.fieldLength.set(field, stats);
      const norm = 1 - B + (B * terms.length) / (stats.total / stats.count);
      const counts = new Map<string, number>();
      for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
      for (const [term, tf] of counts) pseudoTf.set(term, (pseudoTf.get(term) ?? 0) + (weight * tf) / norm);
    }
    for (const [term, tf] of pseudoTf) {
      let list = this.postings.get(term);
      if (!list) this.postings.set(term, (list = emptyPostings()));
      append(list, docNumber, (tf * (K1 + 1)) / (tf + K1));
      list.live += 1;
    }
    this.liveCount += 1;
  }

  /**
   * Removes a document indexed with these fields (the caller re-derives them rather than the index keeping every
   * document's term list); its postings are skipped at once and compacted away once they pile up.
   */
  remove(fields: FieldText[], isLive: (doc: number) => boolean): void {
    const terms = new Set(fields.flatMap((field) => field.terms));
    for (const term of terms) {
      const list = this.postings.get(term);
      if (list) list.live -= 1;
    }
    this.liveCount -= 1;
    this.dead += 1;
    if (this.dead > 1000 && this.dead > this.liveCount / 4) this.compact(isLive);
  }

  documentFrequency(term: string): number {
    return this.postings.get(term)?.live ?? 0;
  }

  has(term: string): boolean {
    return this.documentFrequency(term) > 0;
  }

  idf(term: string): number {
    const df = this.documentFrequency(term);
    return Math.log(1 + (this.liveCount - df + 0.5) / (df + 0.5));
  }

  /**
   * Adds weight × idf × saturated tf of each posting into `scores`, appending first-touched docs to `touched` from
   * `count` on; returns the new count.
   */
  accumulate(
    term: string,
    weight: number,
    scores: Float64Array,
    touched: Int32Array,
    count: number,
    isLive: (doc: number) => boolean,
  ): number {
    const list = this.postings.get(term);
    if (!list || list.live === 0) return count;
    const factor = weight * this.idf(term);
    const { docs, weights, length } = list;
    for (let i = 0; i < length; i++) {
      const doc = docs[i];
      if (scores[doc] === 0) {
        if (!isLive(doc)) continue;
        touched[count++] = doc;
      }
      scores[doc] += factor * weights[i];
    }
    return count;
  }

  private compact(isLive: (doc: number) => boolean): void {
    for (const [term, list] of this.postings) {
      const kept = emptyPostings(Math.max(4, list.live));
      for (let i = 0; i < list.length; i++)
        if (isLive(list.docs[i])) append(kept, list.docs[i], list.weights[i]);
      kept.live = kept.length;
      if (kept.length === 0) this.postings.delete(term);
      else this.postings.set(term, kept);
    }
    this.dead = 0;
  }
}
