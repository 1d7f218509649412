import { type Assumptions, computeEconomics } from './node-economics';
import { type EconomicsJson, renderEconomics } from './economics-text';

const assumptions: Assumptions = {
  pricePer1kTokens: 0.04,
  hardwareUsd: 1_200,
  lifetimeMonths: 24,
  watts: 500,
  kwhUsd: 0.2,
  bandwidthUsdPerMonth: 5,
  hostingUsdPerMonth: 8.5,
};
const measured = {
  hours: 73,
  requests: 1_000,
  promptTokens: 300_000,
  completionTokens: 200_000,
  uptime: 0.5,
  modelShare: 0.3,
  heartbeats: 26_280,
  expectedHeartbeats: 52_560,
};
const report: EconomicsJson = {
  nodeId: 'n-1',
  window: '7d',
  from: '2026-12-01T00:00:00.000Z',
  to: '2026-12-04T01:00:00.000Z',
  measured,
  assumptions,
  note: null,
  ...computeEconomics(measured, assumptions),
};

describe('renderEconomics', () => {
  const text = renderEconomics(report);

  it('prints the measured figures and the month they scale to', () => {
    expect(text).toContain('(73.0 h measured)');
    expect(text).not.toContain('rough guide'); // less than a day only
    expect(text).toContain('uptime               50.0% (26,280 of 52,560 heartbeats)');
    expect(text).toContain('revenue              $200.00');
    expect(text).toContain(
      'costs                $100.00 = depreciation $50.00 + power $36.50 + bandwidth $5.00 + hosting $8.50',
    );
    expect(text).toContain('ROI over lifetime    200.0%');
    expect(text).toContain('payback              8.0 months');
    expect(text).toContain('break-even price     $0.0200 per 1k tokens');
  });

  it('prints each scenario and the sensitivity table', () => {
    expect(text).toMatch(/operatorsDoubled\s+15\.0%\s+\$100\.00\s+\$100\.00\s+\$0\.00 {2}24\.0 months/);
    expect(text).toMatch(/idle\s+0\.0%\s+\$0\.00\s+\$100\.00\s+-\$100\.00 {2}never/);
    // demand ×0.25: profit 200 × 0.25 × p − 100 for p = 0.25 … 2
    expect(text).toMatch(/×0\.25\s+-\$87\.50\s+-\$75\.00\s+-\$50\.00\s+-\$25\.00\s+\$0\.00/);
  });

  it('under a day measured: says the month is scaled from those hours', () => {
    const short = renderEconomics({ ...report, measured: { ...measured, hours: 0.3 } });
    expect(short).toContain('(0.3 h measured)');
    expect(short).toContain('the month below is scaled up from 0.3 h, a rough guide');
  });

  it('no complete hour yet: says so, and prints no figures and no table', () => {
    const none = { ...measured, hours: 0, requests: 0, promptTokens: 0, completionTokens: 0, uptime: 0 };
    const fresh = renderEconomics({
      ...report,
      to: '2026-12-03T18:00:00.000Z',
      measured: none,
      note: 'No complete hour measured yet (next at 19:00 UTC): …',
      ...computeEconomics(none, assumptions),
    });
    expect(fresh).toContain('no complete hour measured yet (next at 19:00 UTC)');
    expect(fresh).not.toMatch(/uptime|revenue|profit|ROI|Scenarios|×0\.25/);
  });
});
