import { formatSweep, kneeIndex, nextRate, parseSweep, SweepPoint } from './sweep';

const point = (offeredPerS: number, goodputPerS: number): SweepPoint => ({
  offeredPerS,
  achievedPerS: goodputPerS,
  goodputPerS,
  failed: 0,
});

describe('load sweep', () => {
  it('finds the knee where goodput stops rising by 5 %', () => {
    expect(kneeIndex([point(10, 10), point(20, 19.8), point(40, 30), point(80, 31), point(120, 12)])).toBe(2);
    expect(kneeIndex([point(10, 10), point(20, 20), point(40, 40)])).toBe(2);
    expect(kneeIndex([point(10, 10), point(20, 10.2)])).toBe(0);
  });

  it('steps geometrically from --rate and stops one step past the knee', () => {
    const plan = parseSweep('auto', 10);
    expect(nextRate(plan, [])).toBe(10);
    expect(nextRate(plan, [point(10, 10)])).toBe(15);
    expect(nextRate(plan, [point(10, 10), point(15, 15)])).toBe(22.5);
    expect(nextRate(plan, [point(10, 10), point(15, 15), point(22.5, 15.1)])).toBeUndefined();
  });

  it('runs an explicit list to its end, and refuses lists that do not rise', () => {
    const plan = parseSweep('5, 10,20', 1);
    expect([
      nextRate(plan, []),
      nextRate(plan, [point(5, 1)]),
      nextRate(plan, [point(5, 1), point(10, 1)]),
    ]).toEqual([5, 10, 20]);
    expect(nextRate(plan, [point(5, 1), point(10, 1), point(20, 1)])).toBeUndefined();
    expect(() => parseSweep('10,5', 1)).toThrow(/must rise/);
    expect(() => parseSweep('10', 1)).toThrow(/at least two/);
    expect(() => parseSweep('10,x', 1)).toThrow(/positive rates/);
  });

  it('marks the knee in the table, or says the sweep stopped short of it', () => {
    expect(formatSweep([point(10, 10), point(20, 20), point(40, 20.5)])).toMatch(
      /20\.0 .*<- knee[\s\S]*Knee: 20\.0 good replies\/s at 20\.0 offered/,
    );
    expect(formatSweep([point(10, 10), point(20, 20)])).toMatch(/beyond this sweep/);
  });
});
