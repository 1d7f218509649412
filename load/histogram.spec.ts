import { LatencyHistogram } from './histogram';

/** 1,000 samples whose 500th, 900th, 990th and 999th values differ, all small enough to be recorded exactly. */
function recorded(): LatencyHistogram {
  const histogram = new LatencyHistogram();
  const groups: [ms: number, times: number][] = [
    [0.1, 500],
    [0.2, 400],
    [0.3, 90],
    [0.4, 9],
    [1.5, 1],
  ];
  for (const [ms, times] of groups) for (let i = 0; i < times; i += 1) histogram.record(ms);
  return histogram;
}

describe('LatencyHistogram (bench and load)', () => {
  it('reports each percentile at its own rank, and the largest sample as max', () => {
    expect(recorded().summary()).toEqual({ n: 1000, p50: 0.1, p90: 0.2, p99: 0.3, 'p99.9': 0.4, max: 1.5 });
  });

  it('prints the same figures with two decimals for bench tables', () => {
    expect(recorded().row()).toEqual({
      n: '1000',
      p50: '0.10',
      p90: '0.20',
      p99: '0.30',
      'p99.9': '0.40',
      max: '1.50',
    });
  });

  it('counts a sample under a microsecond as 1 µs rather than dropping it', () => {
    const histogram = new LatencyHistogram();
    histogram.record(0);
    expect(histogram.summary()).toMatchObject({ n: 1, max: 0 });
    expect(histogram.row()).toMatchObject({ n: '1', max: '0.00' });
  });

  it('has no summary before anything is recorded', () => {
    const histogram = new LatencyHistogram();
    expect(histogram.summary()).toBeUndefined();
    expect(histogram.row()).toMatchObject({ n: '0', p50: '0.00', max: '0.00' });
  });
});
