// The measures eval:hub reports, written as in the corpus README so figures compare with its BM25 floor.

/** Graded judgments of one query: doc id → grade (0 when absent). */
export type Judgments = Map<string, number>;

/** nDCG@k with gain 2^grade − 1 and discount 1 / log2(rank + 1); the ideal ranking uses every judged entry. */
export function ndcgAt(ranked: string[], judged: Judgments, k: number): number {
  const dcg = (grades: number[]): number =>
    grades.slice(0, k).reduce((sum, grade, i) => sum + (2 ** grade - 1) / Math.log2(i + 2), 0);
  const ideal = dcg([...judged.values()].sort((a, b) => b - a));
  return ideal === 0 ? 0 : dcg(ranked.map((id) => judged.get(id) ?? 0)) / ideal;
}

/** Relevant (grade ≥ 1) entries in the top k over min(k, relevant entries), so broad queries can reach 1. */
export function recallAt(ranked: string[], judged: Judgments, k: number): number {
  const relevant = [...judged.values()].filter((grade) => grade >= 1).length;
  if (relevant === 0) return 0;
  const found = ranked.slice(0, k).filter((id) => (judged.get(id) ?? 0) >= 1).length;
  return found / Math.min(k, relevant);
}

/** Reciprocal rank of the first entry of grade ≥ minGrade (0 when none is returned). */
export function reciprocalRank(ranked: string[], judged: Judgments, minGrade = 1): number {
  const index = ranked.findIndex((id) => (judged.get(id) ?? 0) >= minGrade);
  return index < 0 ? 0 : 1 / (index + 1);
}

/** The value below which `fraction` of the samples fall (nearest rank). */
export function percentile(samples: number[], fraction: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}
