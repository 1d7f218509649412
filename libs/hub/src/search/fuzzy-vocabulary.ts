// Typo tolerance: a query word missing from the index is matched to indexed words one or two edits away
// (Damerau: a swap counts as one edit), or to words it is a prefix of ("yolo" → "yolov3").

export interface FuzzyMatch {
  word: string;
  weight: number;
}

export class FuzzyVocabulary {
  // Alphabetic words only, bucketed by length: numbers and ids are where synthetic growth happens, and
  // a typo in a number changes its meaning.
  private readonly byLength = new Map<number, Map<string, number>>();

  add(word: string): void {
    if (word.length < 3 || !/^[a-z]+$/.test(word)) return;
    let bucket = this.byLength.get(word.length);
    if (!bucket) this.byLength.set(word.length, (bucket = new Map<string, number>()));
    bucket.set(word, (bucket.get(word) ?? 0) + 1);
  }

  delete(word: string): void {
    const bucket = this.byLength.get(word.length);
    const count = bucket?.get(word);
    if (!bucket || count === undefined) return;
    if (count <= 1) bucket.delete(word);
    else bucket.set(word, count - 1);
  }

  has(word: string): boolean {
    return this.byLength.get(word.length)?.has(word) ?? false;
  }

  /** Corrections for a word, best first; empty when the word is indexed as it is or is too short to guess. */
  corrections(word: string, limit = 3): FuzzyMatch[] {
    if (word.length < 4 || !/^[a-z]+$/.test(word)) return [];
    const maxEdits = word.length >= 8 ? 2 : 1;
    const found: Array<FuzzyMatch & { count: number }> = [];
    for (let length = word.length - maxEdits; length <= word.length + maxEdits; length++) {
      for (const [candidate, count] of this.byLength.get(length) ?? []) {
        // Typos rarely hit both of the first two letters; checking that first skips most of the vocabulary.
        if (candidate === word || (candidate[0] !== word[0] && candidate[1] !== word[1])) continue;
        const distance = editDistance(word, candidate, maxEdits);
        if (distance <= maxEdits) found.push({ word: candidate, weight: distance === 1 ? 0.9 : 0.7, count });
      }
    }
    found.sort((a, b) => b.weight - a.weight || b.count - a.count);
    // A one-edit reading, when there is one, is far likelier than any two-edit one.
    const best = found[0]?.weight;
    return found
      .filter((match) => match.weight === best)
      .slice(0, limit)
      .map(({ word: w, weight }) => ({ word: w, weight }));
  }

  /** Indexed words that start with this one, for names typed short ("yolo", "efficient"). */
  extensions(word: string, limit = 6): FuzzyMatch[] {
    if (word.length < 4 || !/^[a-z]+$/.test(word)) return [];
    const found: FuzzyMatch[] = [];
    for (let length = word.length + 1; length <= word.length + 8; length++) {
      for (const candidate of this.byLength.get(length)?.keys() ?? []) {
        if (candidate.startsWith(word)) found.push({ word: candidate, weight: 0.8 });
        if (found.length >= limit) return found;
      }
    }
    return found;
  }
}

/** Optimal-string-alignment distance, abandoning early once it must exceed `bound`. */
export function editDistance(a: string, b: string, bound: number): number {
  if (Math.abs(a.length - b.length) > bound) return bound + 1;
  const width = b.length + 1;
  let prevPrev = new Array<number>(width).fill(0);
  let prev = Array.from({ length: width }, (_, j) => j);
  let current = new Array<number>(width).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(prev[j] + 1, current[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, prevPrev[j - 2] + 1);
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > bound) return bound + 1;
    [prevPrev, prev, current] = [prev, current, prevPrev];
  }
  return prev[b.length];
}
