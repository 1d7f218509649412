import { difference, markdownTable, percentile, summarize } from './overhead-stats';

describe('overhead-stats', () => {
  it('takes percentiles by nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 90)).toBe(90);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([1, 2, 3], 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes an unsorted sample without reordering it', () => {
    const samples = [30, 10, 20, 40];
    expect(summarize(samples)).toEqual({ n: 4, p50: 20, p90: 40, p99: 40, max: 40 });
    expect(samples).toEqual([30, 10, 20, 40]);
  });

  it('subtracts percentile by percentile, rounded to hundredths', () => {
    const direct = { n: 3, p50: 1.1, p90: 2, p99: 3, max: 4 };
    const sealed = { n: 3, p50: 1.4, p90: 2.5, p99: 3.25, max: 3 };
    expect(difference(direct, sealed)).toEqual({ p50: 0.3, p90: 0.5, p99: 0.25, max: -1 });
  });

  it('prints a Markdown table', () => {
    expect(markdownTable(['a', 'b'], [['1', '2']])).toBe('| a | b |\n| --- | --- |\n| 1 | 2 |');
  });
});
