/** One entity's (node, operator, provider, region, TEE kind) traffic in a window. */
export interface EntityTraffic {
  key: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

export interface EntityShare extends EntityTraffic {
  /** Of the window's requests, 0–1. */
  share: number;
}

export interface Concentration {
  entities: EntityShare[];
  /** Herfindahl–Hirschman index over request shares in percent: 10,000 is one entity, 0 no traffic. */
  hhi: number;
  /** The fewest entities whose shares sum past half of the requests; 0 with no traffic. */
  nakamoto: number;
}

/** Request shares, largest first (ties by key, so the answer is stable). */
export function sharesOf(entities: EntityTraffic[]): EntityShare[] {
  const total = entities.reduce((sum, e) => sum + e.requests, 0);
  return entities
    .map((e) => ({ ...e, share: total === 0 ? 0 : e.requests / total }))
    .sort((a, b) => b.share - a.share || a.key.localeCompare(b.key));
}

export function herfindahlHirschman(shares: number[]): number {
  return Math.round(shares.reduce((sum, s) => sum + (s * 100) ** 2, 0));
}

export function nakamotoCoefficient(shares: number[]): number {
  const sorted = [...shares].sort((a, b) => b - a);
  let sum = 0;
  for (const [i, share] of sorted.entries()) {
    sum += share;
    // Float sums of equal shares land a hair off 0.5; "past half" means clearly past it.
    if (sum > 0.5 + 1e-9) return i + 1;
  }
  return 0;
}

export function concentrationOf(entities: EntityTraffic[]): Concentration {
  const shares = sharesOf(entities);
  const values = shares.map((e) => e.share);
  return { entities: shares, hhi: herfindahlHirschman(values), nakamoto: nakamotoCoefficient(values) };
}

/** Adds up traffic per key, e.g. nodes' traffic per operator. */
export function groupTraffic<T extends EntityTraffic>(rows: T[], keyOf: (row: T) => string): EntityTraffic[] {
  const groups = new Map<string, EntityTraffic>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key) ?? { key, requests: 0, promptTokens: 0, completionTokens: 0 };
    group.requests += row.requests;
    group.promptTokens += row.promptTokens;
    group.completionTokens += row.completionTokens;
    groups.set(key, group);
  }
  return [...groups.values()];
}
