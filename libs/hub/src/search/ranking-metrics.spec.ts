import { ndcgAt, percentile, recallAt, reciprocalRank } from './ranking-metrics';

describe('ranking metrics', () => {
  const judged = new Map([
    ['a', 3],
    ['b', 2],
    ['c', 1],
  ]);

  it('scores an ideal ranking 1 and a reversed one by the log2 discount of graded gains', () => {
    expect(ndcgAt(['a', 'b', 'c'], judged, 10)).toBeCloseTo(1, 10);
    const ideal = 7 + 3 / Math.log2(3) + 1 / Math.log2(4);
    const reversed = 1 + 3 / Math.log2(3) + 7 / Math.log2(4);
    expect(ndcgAt(['c', 'b', 'a'], judged, 10)).toBeCloseTo(reversed / ideal, 10);
  });

  it('cuts at k, so a relevant entry past k earns nothing', () => {
    const ideal = 7 + 3 / Math.log2(3);
    expect(ndcgAt(['x', 'a', 'b'], judged, 2)).toBeCloseTo(7 / Math.log2(3) / ideal, 10);
  });

  it('takes the reciprocal rank of the first entry with grade at least 1', () => {
    expect(reciprocalRank(['x', 'y', 'c', 'a'], judged)).toBeCloseTo(1 / 3, 10);
    expect(reciprocalRank(['x', 'y'], judged)).toBe(0);
    expect(reciprocalRank(['c', 'a'], judged, 3)).toBe(0.5);
  });

  it('caps recall at k so broad queries can reach 1', () => {
    expect(recallAt(['a', 'x', 'c'], judged, 10)).toBeCloseTo(2 / 3, 10);
    expect(recallAt(['a', 'b'], judged, 2)).toBe(1);
  });

  it('reads percentiles by nearest rank', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(samples, 0.5)).toBe(50);
    expect(percentile(samples, 0.99)).toBe(99);
  });
});
