import { buildPlan, PlanOptions } from './poisson';
import { exponential, seededRandom } from './random';

const base: PlanOptions = { rate: 50, warmupMs: 0, durationMs: 200_000, turns: 3, thinkMs: 1000, seed: 7 };

describe('seededRandom', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    for (const u of draw(3)) expect(u >= 0 && u < 1).toBe(true);
  });

  it('gives exponential draws with the asked-for mean', () => {
    const random = seededRandom(11);
    const draws = Array.from({ length: 50_000 }, () => exponential(random, 20));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(20 * 0.98);
    expect(mean).toBeLessThan(20 * 1.02);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
  });
});

describe('buildPlan (Poisson arrivals)', () => {
  it('offers the asked-for rate: 10,000 expected arrivals land within 4 standard deviations (±4%)', () => {
    const plan = buildPlan(base);
    const rate = plan.conversations.length / (base.durationMs / 1000);
    expect(rate).toBeGreaterThan(50 * 0.96);
    expect(rate).toBeLessThan(50 * 1.04);
  });

  it('has memoryless gaps: exponential, so their standard deviation equals their mean', () => {
    const arrivals = buildPlan(base).conversations.map((c) => c.arrivalMs);
    const gaps = arrivals.slice(1).map((at, i) => at - (arrivals[i] ?? 0));
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    expect(mean).toBeCloseTo(20, 0);
    expect(sd / mean).toBeGreaterThan(0.95);
    expect(sd / mean).toBeLessThan(1.05);
  });

  it('is the same schedule for the same seed, a different one for another, in order and inside the run', () => {
    const a = buildPlan(base).conversations;
    expect(buildPlan(base).conversations).toEqual(a);
    expect(buildPlan({ ...base, seed: 8 }).conversations.map((c) => c.arrivalMs)).not.toEqual(
      a.map((c) => c.arrivalMs),
    );
    a.forEach((c, i) => {
      expect(c.index).toBe(i);
      expect(c.arrivalMs).toBeGreaterThanOrEqual(i === 0 ? 0 : (a[i - 1]?.arrivalMs ?? 0));
      expect(c.arrivalMs).toBeLessThan(base.durationMs);
    });
  });

  it('keeps the arrivals where they are when only turns or think time change', () => {
    const arrivals = (options: PlanOptions) => buildPlan(options).conversations.map((c) => c.arrivalMs);
    expect(arrivals({ ...base, turns: 1, thinkMs: 0 })).toEqual(arrivals(base));
  });

  it('draws one think time per later turn, with the asked-for mean', () => {
    const plan = buildPlan(base);
    const thinks = plan.conversations.flatMap((c) => c.thinkMs);
    expect(plan.conversations.every((c) => c.thinkMs.length === 2)).toBe(true);
    const mean = thinks.reduce((a, b) => a + b, 0) / thinks.length;
    expect(mean).toBeGreaterThan(1000 * 0.97);
    expect(mean).toBeLessThan(1000 * 1.03);
  });

  it('marks the arrivals during the warm-up, and only those', () => {
    const plan = buildPlan({ ...base, warmupMs: 5_000, durationMs: 20_000 });
    for (const c of plan.conversations) expect(c.warmup).toBe(c.arrivalMs < 5_000);
    expect(plan.conversations.some((c) => c.warmup)).toBe(true);
    expect(plan.conversations.some((c) => !c.warmup)).toBe(true);
  });
});
