// The search engine's contract with the registry and the HTTP layer: plain data in, ids and scores out.

export interface HubDocument {
  id: string;
  name: string;
  family?: string;
  familyId?: string;
  task: string;
  domain: string;
  tags: string[];
  precision: string;
  description: string;
  datasets: string[];
  metrics: Record<string, number>;
  bytes: number;
  license: string;
  publisher?: string;
  pins?: { nodes: number; operators: number };
}

export interface HubQuery {
  q?: string;
  task?: string;
  domain?: string;
  license?: string;
  precision?: string;
  maxBytes?: number;
  dataset?: string;
  minMetric?: { name: string; value: number };
  minOperators?: number;
  limit: number;
  offset?: number;
}

export interface HubHit {
  id: string;
  score: number;
}

export interface HubSearchResult {
  hits: HubHit[];
  total: number;
  understood: { constraints: string[] };
}

/**
 * Each component of the ranking can be switched off, so the evaluation can say what each one adds.
 * `constraintMode`: constraints read from the query text either demote the models that miss them ('prefer', the
 * judged notion: an FP32 file when INT8 was asked is still a good substitute) or drop them ('filter').
 * Facets given as HubQuery fields always filter.
 */
export interface RankingOptions {
  fieldWeights: boolean;
  typos: boolean;
  synonyms: boolean;
  constraints: boolean;
  constraintMode: 'prefer' | 'filter';
  familyGrouping: boolean;
  /** Upper bound on the models scored by the text part of one query, to bound the work per query. */
  maxCandidates: number;
}

export const DEFAULT_RANKING: RankingOptions = {
  fieldWeights: true,
  typos: true,
  synonyms: true,
  constraints: true,
  constraintMode: 'prefer',
  familyGrouping: true,
  maxCandidates: 4000,
};
