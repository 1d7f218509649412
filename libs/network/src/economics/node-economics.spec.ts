import { type Assumptions, computeEconomics, type MeasuredFigures, measurementNote } from './node-economics';

// Hand-computed: 73 hours measured = 1/10 of a 730-hour month, so every measured count is ×10 a month.
const measured: MeasuredFigures = {
  hours: 73,
  requests: 1_000,
  promptTokens: 300_000,
  completionTokens: 200_000,
  uptime: 0.5,
  modelShare: 0.3,
};
const assumptions: Assumptions = {
  pricePer1kTokens: 0.04,
  hardwareUsd: 1_200,
  lifetimeMonths: 24,
  watts: 500,
  kwhUsd: 0.2,
  bandwidthUsdPerMonth: 5,
  hostingUsdPerMonth: 8.5,
};

describe('computeEconomics', () => {
  const e = computeEconomics(measured, assumptions);

  it('scales the window to a month and prices every token served', () => {
    expect(e.monthly.requests).toBeCloseTo(10_000);
    expect(e.monthly.tokens).toBeCloseTo(5_000_000);
    // 5,000 × 1k tokens × $0.04
    expect(e.monthly.revenue).toBeCloseTo(200);
  });

  it('costs: straight-line depreciation, power only while up, bandwidth and hosting', () => {
    expect(e.monthly.costs.depreciation).toBeCloseTo(50); // 1,200 / 24
    expect(e.monthly.costs.power).toBeCloseTo(36.5); // 0.5 kW × 730 h × 0.5 up × $0.20
    expect(e.monthly.costs.bandwidth).toBeCloseTo(5);
    expect(e.monthly.costs.hosting).toBeCloseTo(8.5);
    expect(e.monthly.costs.total).toBeCloseTo(100);
  });

  it('profit, ROI over the lifetime, payback from the cash margin, break-even price', () => {
    expect(e.monthly.profit).toBeCloseTo(100);
    expect(e.monthly.roi).toBeCloseTo(2); // 100 × 24 / 1,200
    expect(e.monthly.paybackMonths).toBeCloseTo(8); // 1,200 / (200 − 50 cash costs)
    expect(e.breakEvenPricePer1kTokens).toBeCloseTo(0.02); // 100 / 5,000
  });

  it('downside scenarios', () => {
    const by = Object.fromEntries(e.scenarios.map((s) => [s.name, s]));
    expect(by.measured.profit).toBeCloseTo(100);
    for (const name of ['demandHalved', 'operatorsDoubled', 'priceHalved']) {
      expect(by[name].revenue).toBeCloseTo(100);
      expect(by[name].profit).toBeCloseTo(0);
      expect(by[name].roi).toBeCloseTo(0);
      expect(by[name].paybackMonths).toBeCloseTo(24); // 1,200 / (100 − 50)
    }
    expect(by.operatorsDoubled.modelShare).toBeCloseTo(0.15);
    expect(by.demandHalved.modelShare).toBeCloseTo(0.3);
    // Idle: up as measured, so every measured cost (100), no revenue, never paid back.
    expect(by.idle.revenue).toBe(0);
    expect(by.idle.costs).toEqual(e.monthly.costs);
    expect(by.idle.profit).toBeCloseTo(-100);
    expect(by.idle.roi).toBeCloseTo(-2); // −100 × 24 / 1,200
    expect(by.idle.paybackMonths).toBeNull();
  });

  it('idle is never cheaper than measured, even with no uptime (bandwidth is a flat plan, paid in both)', () => {
    const down = computeEconomics({ ...measured, uptime: 0 }, assumptions);
    const idle = down.scenarios.find((s) => s.name === 'idle');
    expect(down.monthly.costs.bandwidth).toBe(5);
    expect(idle?.costs.bandwidth).toBe(5);
    expect(idle?.costs.total).toBeCloseTo(down.monthly.costs.total); // 50 + 5 + 8.5
    expect(idle?.profit).toBeLessThanOrEqual(down.monthly.profit);
  });

  it('a sensitivity table of price × demand: profit = 200 × d × p − 100', () => {
    const { priceMultipliers, demandMultipliers, profit } = e.sensitivity;
    expect(profit).toHaveLength(demandMultipliers.length);
    demandMultipliers.forEach((d, i) =>
      priceMultipliers.forEach((p, j) => expect(profit[i][j]).toBeCloseTo(200 * d * p - 100)),
    );
    expect(profit[0][0]).toBeCloseTo(-87.5);
  });

  it('nothing measured: no revenue, no break-even price, never paid back', () => {
    const none = computeEconomics({ ...measured, hours: 0 }, assumptions);
    expect(none.monthly.revenue).toBe(0);
    expect(none.monthly.requests).toBe(0);
    expect(none.breakEvenPricePer1kTokens).toBeNull();
    expect(none.monthly.paybackMonths).toBeNull();
  });

  it('no hardware: no ROI to speak of, paid back from the start', () => {
    const free = computeEconomics(measured, { ...assumptions, hardwareUsd: 0 });
    expect(free.monthly.roi).toBeNull();
    expect(free.monthly.paybackMonths).toBe(0);
    expect(free.monthly.costs.depreciation).toBe(0);
  });
});

describe('measurementNote', () => {
  it('says plainly that no complete hour was measured yet, and when the first one is', () => {
    expect(measurementNote(0, new Date('2026-12-03T18:00:00Z'))).toBe(
      'No complete hour measured yet (next at 19:00 UTC): the figures are assumptions over zero traffic, not a measurement.',
    );
    expect(measurementNote(0.3, new Date('2026-12-03T18:00:00Z'))).toBeNull();
  });
});
