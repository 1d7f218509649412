import type { NodeEconomicsReport } from './node-economics.service';

/** The JSON of GET /v1/nodes/:id/economics, as it arrives (dates are strings). */
export type EconomicsJson = Omit<NodeEconomicsReport, 'from' | 'to'> & { from: string; to: string };

const usd = (n: number): string => `${n < 0 ? '-' : ''}$${Math.abs(n).toFixed(2)}`;
const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;
const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const months = (n: number | null): string => (n === null ? 'never' : `${n.toFixed(1)} months`);
const roi = (n: number | null): string => (n === null ? 'n/a (no hardware)' : pct(n));
const pad = (s: string, width: number): string => s.padStart(width);
/** HH:00 of the hour after `to` (the start of the current hour), when the first complete hour will be in. */
const nextHour = (to: string): string => new Date(Date.parse(to) + 3_600_000).toISOString().slice(11, 16);

/** What `npm run node:roi` prints: the figures, the downside scenarios and the sensitivity table, as plain text. */
export function renderEconomics(r: EconomicsJson): string {
  const m = r.measured;
  const a = r.assumptions;
  const c = r.monthly.costs;
  // Nothing measured yet: every figure below would be scaled from zero traffic, so print none of them.
  if (m.hours <= 0)
    return [
      `Node ${r.nodeId}: ${r.window} window: no complete hour measured yet (next at ${nextHour(r.to)} UTC).`,
      'Run it again after then; the figures are scaled from the hours measured.',
    ].join('\n');
  const lines = [
    `Node ${r.nodeId}: ${r.window} window, ${r.from} to ${r.to} (${m.hours.toFixed(1)} h measured)`,
    ...(m.hours < 24
      ? [
          `  Less than a day measured: the month below is scaled up from ${m.hours.toFixed(1)} h, a rough guide.`,
        ]
      : []),
    '',
    'Measured',
    `  requests             ${count(m.requests)}`,
    `  tokens               ${count(m.promptTokens)} prompt + ${count(m.completionTokens)} completion`,
    `  uptime               ${pct(m.uptime)} (${count(m.heartbeats)} of ${count(m.expectedHeartbeats)} heartbeats)`,
    `  share of its models  ${pct(m.modelShare)} of the tokens the nodes serving its models served`,
    '',
    'Assumptions',
    `  price                $${a.pricePer1kTokens} per 1k tokens`,
    `  hardware             ${usd(a.hardwareUsd)} over ${a.lifetimeMonths} months, straight line`,
    `  power                ${a.watts} W while up at $${a.kwhUsd} per kWh`,
    `  bandwidth, hosting   ${usd(a.bandwidthUsdPerMonth)} and ${usd(a.hostingUsdPerMonth)} a month`,
    '',
    'A month (730 h) at the measured rate',
    `  requests             ${count(r.monthly.requests)}`,
    `  tokens               ${count(r.monthly.tokens)}`,
    `  revenue              ${usd(r.monthly.revenue)}`,
    `  costs                ${usd(c.total)} = depreciation ${usd(c.depreciation)} + power ${usd(c.power)} + ` +
      `bandwidth ${usd(c.bandwidth)} + hosting ${usd(c.hosting)}`,
    `  profit               ${usd(r.monthly.profit)}`,
    `  ROI over lifetime    ${roi(r.monthly.roi)}`,
    `  payback              ${months(r.monthly.paybackMonths)}`,
    `  break-even price     ${
      r.breakEvenPricePer1kTokens === null
        ? 'none (nothing served)'
        : `$${r.breakEvenPricePer1kTokens.toFixed(4)} per 1k tokens`
    }`,
    '',
    'Scenarios (a month)',
    `  ${'scenario'.padEnd(18)}${pad('share', 8)}${pad('revenue', 11)}${pad('costs', 11)}${pad('profit', 11)}  payback`,
    ...r.scenarios.map(
      (s) =>
        `  ${s.name.padEnd(18)}${pad(pct(s.modelShare), 8)}${pad(usd(s.revenue), 11)}${pad(usd(s.costs.total), 11)}` +
        `${pad(usd(s.profit), 11)}  ${months(s.paybackMonths)}`,
    ),
    ...r.scenarios.map((s) => `    ${s.name}: ${s.description}`),
    '',
    'Monthly profit: price × (columns), demand × (rows)',
    `  ${''.padEnd(8)}${r.sensitivity.priceMultipliers.map((p) => pad(`×${p}`, 11)).join('')}`,
    ...r.sensitivity.demandMultipliers.map(
      (d, i) => `  ${`×${d}`.padEnd(8)}${r.sensitivity.profit[i].map((p) => pad(usd(p), 11)).join('')}`,
    ),
  ];
  return lines.join('\n');
}
