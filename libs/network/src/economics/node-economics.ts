/**
 * An operator's economics from what a node measurably served (docs/network.md, Operator economics): pure functions,
 * no Nest, no database, so every figure can be checked by hand. Money is in USD, per month of 730 hours (a year / 12).
 */
import type { AppConfig } from '@app/config';

export const HOURS_PER_MONTH = 730;

/** What the network measured for one node over a window. */
export interface MeasuredFigures {
  /** Hours the figures cover (the window, or less for a node registered inside it). */
  hours: number;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Heartbeats received ÷ heartbeats expected over the window, 0–1. */
  uptime: number;
  /** The node's share of the tokens served by all nodes that serve its models, 0–1 (0 when none were served). */
  modelShare: number;
}

/**
 * What the operator assumes, in USD: exactly the NODE_* settings' shape (one definition, so a new setting reaches the
 * calculator), each overridable per request. pricePer1kTokens is earned per 1,000 tokens (prompt and completion)
 * served; hardwareUsd is written off straight-line over lifetimeMonths; watts are drawn while the node is up, at
 * kwhUsd per kWh; bandwidthUsdPerMonth and hostingUsdPerMonth are flat monthly costs.
 */
export type Assumptions = AppConfig['economics'];

export interface MonthlyCosts {
  depreciation: number;
  power: number;
  bandwidth: number;
  hosting: number;
  total: number;
}

/** One month at some demand and price. */
export interface Outcome {
  tokens: number;
  revenue: number;
  costs: MonthlyCosts;
  profit: number;
  /** Profit over the hardware's lifetime ÷ the hardware price (depreciation is a cost, so 0 = the hardware paid back, no more); null without hardware. */
  roi: number | null;
  /** Months until revenue less cash costs (power, bandwidth, hosting) has paid for the hardware; null: never. */
  paybackMonths: number | null;
}

export type ScenarioName = 'measured' | 'demandHalved' | 'operatorsDoubled' | 'priceHalved' | 'idle';

export interface Scenario extends Outcome {
  name: ScenarioName;
  description: string;
  /** The node's share of its models' tokens in this scenario. */
  modelShare: number;
}

export interface SensitivityTable {
  priceMultipliers: number[];
  demandMultipliers: number[];
  /** profit[d][p]: monthly profit at demandMultipliers[d] × the measured tokens and priceMultipliers[p] × the price. */
  profit: number[][];
}

export interface Economics {
  /** The measured window scaled to a month. */
  monthly: Outcome & { requests: number };
  /** The price per 1k tokens at which the measured demand just covers all costs; null when nothing was served. */
  breakEvenPricePer1kTokens: number | null;
  scenarios: Scenario[];
  sensitivity: SensitivityTable;
}

export const PRICE_MULTIPLIERS = [0.25, 0.5, 1, 1.5, 2];
export const DEMAND_MULTIPLIERS = [0.25, 0.5, 1, 1.5, 2];

/** A month's costs for a node up `uptime` of the time. */
export function monthlyCosts(a: Assumptions, uptime: number): MonthlyCosts {
  const depreciation = a.hardwareUsd / a.lifetimeMonths;
  // Power only while the node is up (the watts assumed are drawn whether it is serving or waiting for work).
  const power = (a.watts / 1000) * HOURS_PER_MONTH * uptime * a.kwhUsd;
  // Bandwidth is an assumed flat monthly plan (USD a month, not per GB), so it is paid with or without traffic.
  const bandwidth = a.bandwidthUsdPerMonth;
  const hosting = a.hostingUsdPerMonth;
  return { depreciation, power, bandwidth, hosting, total: depreciation + power + bandwidth + hosting };
}

/**
 * When no complete hour has been measured yet (a node registered in the current hour), every figure would be
 * scaled from nothing: say so, and when the first hour completes. Null once something was measured.
 */
export function measurementNote(hours: number, to: Date): string | null {
  if (hours > 0) return null;
  const next = new Date(to.getTime() + 3_600_000).toISOString().slice(11, 16);
  return `No complete hour measured yet (next at ${next} UTC): the figures are assumptions over zero traffic, not a measurement.`;
}

/** A month with `tokens` served at `pricePer1kTokens`, with the given costs. */
export function outcome(
  a: Assumptions,
  tokens: number,
  pricePer1kTokens: number,
  costs: MonthlyCosts,
): Outcome {
  const revenue = (tokens / 1000) * pricePer1kTokens;
  const profit = revenue - costs.total;
  const cashMargin = revenue - (costs.total - costs.depreciation);
  return {
    tokens,
    revenue,
    costs,
    profit,
    roi: a.hardwareUsd > 0 ? (profit * a.lifetimeMonths) / a.hardwareUsd : null,
    paybackMonths: a.hardwareUsd === 0 ? 0 : cashMargin > 0 ? a.hardwareUsd / cashMargin : null,
  };
}

export function computeEconomics(m: MeasuredFigures, a: Assumptions): Economics {
  const perMonth = m.hours > 0 ? HOURS_PER_MONTH / m.hours : 0;
  const tokens = (m.promptTokens + m.completionTokens) * perMonth;
  const costs = monthlyCosts(a, m.uptime);
  const measured = outcome(a, tokens, a.pricePer1kTokens, costs);
  const scenario = (
    name: ScenarioName,
    description: string,
    o: Outcome,
    modelShare = m.modelShare,
  ): Scenario => ({ name, description, modelShare, ...o });

  const scenarios: Scenario[] = [
    scenario('measured', 'The measured window, scaled to a month', measured),
    scenario(
      'demandHalved',
      'Requests for the node’s models fall by half',
      outcome(a, tokens * 0.5, a.pricePer1kTokens, costs),
    ),
    // Demand stays, but twice as many operators split it: the node keeps half its measured share.
    scenario(
      'operatorsDoubled',
      'Twice the operators serve the same demand: the node’s share halves',
      outcome(a, tokens * 0.5, a.pricePer1kTokens, costs),
      m.modelShare / 2,
    ),
    scenario(
      'priceHalved',
      'The price per 1k tokens falls by half',
      outcome(a, tokens, a.pricePer1kTokens * 0.5, costs),
    ),
    // The worst case of the list: the node stays up as measured, waiting for work, so it pays every measured
    // cost (power while up, the flat bandwidth plan, hosting, depreciation) and earns nothing. It can never come
    // out cheaper than the measured month.
    scenario(
      'idle',
      'No traffic: the node stays up as measured and pays every cost, earning nothing',
      outcome(a, 0, a.pricePer1kTokens, costs),
      0,
    ),
  ];

  return {
    monthly: { ...measured, requests: m.requests * perMonth },
    breakEvenPricePer1kTokens: tokens > 0 ? costs.total / (tokens / 1000) : null,
    scenarios,
    sensitivity: {
      priceMultipliers: PRICE_MULTIPLIERS,
      demandMultipliers: DEMAND_MULTIPLIERS,
      profit: DEMAND_MULTIPLIERS.map((d) =>
        PRICE_MULTIPLIERS.map((p) => outcome(a, tokens * d, a.pricePer1kTokens * p, costs).profit),
      ),
    },
  };
}
