import {
  concentrationOf,
  groupTraffic,
  herfindahlHirschman,
  nakamotoCoefficient,
  sharesOf,
} from './concentration';

const traffic = (key: string, requests: number) => ({
  key,
  requests,
  promptTokens: requests * 10,
  completionTokens: requests,
});

describe('concentration math', () => {
  it('four equal shares: HHI 2,500, three needed to pass half', () => {
    const shares = [0.25, 0.25, 0.25, 0.25];
    expect(herfindahlHirschman(shares)).toBe(2500);
    expect(nakamotoCoefficient(shares)).toBe(3);
  });

  it('one entity: HHI 10,000, Nakamoto 1', () => {
    expect(herfindahlHirschman([1])).toBe(10_000);
    expect(nakamotoCoefficient([1])).toBe(1);
  });

  it('two equal shares need both to pass half (exactly half is not past it)', () => {
    expect(nakamotoCoefficient([0.5, 0.5])).toBe(2);
    expect(herfindahlHirschman([0.5, 0.5])).toBe(5000);
  });

  it('counts the largest shares first, whatever the input order', () => {
    expect(nakamotoCoefficient([0.1, 0.2, 0.6, 0.1])).toBe(1);
    expect(nakamotoCoefficient([0.1, 0.3, 0.3, 0.3])).toBe(2);
    expect(herfindahlHirschman([0.1, 0.2, 0.6, 0.1])).toBe(100 + 400 + 3600 + 100);
  });

  it('no traffic: zero shares, HHI 0, Nakamoto 0', () => {
    const result = concentrationOf([traffic('a', 0), traffic('b', 0)]);
    expect(result.entities.map((e) => e.share)).toEqual([0, 0]);
    expect(result.hhi).toBe(0);
    expect(result.nakamoto).toBe(0);
    expect(concentrationOf([])).toEqual({ entities: [], hhi: 0, nakamoto: 0 });
  });

  it('shares of requests, largest first, ties by key', () => {
    expect(
      sharesOf([traffic('b', 1), traffic('c', 2), traffic('a', 1)]).map((e) => [e.key, e.share]),
    ).toEqual([
      ['c', 0.5],
      ['a', 0.25],
      ['b', 0.25],
    ]);
  });

  it('adds nodes up per operator: 3 nodes of 2 operators', () => {
    const nodes = [
      { ...traffic('n1', 6), operator: 'alice' },
      { ...traffic('n2', 2), operator: 'alice' },
      { ...traffic('n3', 2), operator: 'bob' },
    ];
    const result = concentrationOf(groupTraffic(nodes, (n) => n.operator));
    expect(result.entities).toEqual([
      { key: 'alice', requests: 8, promptTokens: 80, completionTokens: 8, share: 0.8 },
      { key: 'bob', requests: 2, promptTokens: 20, completionTokens: 2, share: 0.2 },
    ]);
    expect(result.hhi).toBe(6400 + 400);
    expect(result.nakamoto).toBe(1);
  });
});
