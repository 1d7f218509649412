// The hub's search: BM25F over the model manifests, plus typo tolerance, task vocabulary, constraints read from
// the query text, exact facets and grouping of a family's variants. Everything is in memory and incremental.

import { FuzzyVocabulary } from './fuzzy-vocabulary';
import {
  DEFAULT_RANKING,
  HubDocument,
  HubHit,
  HubQuery,
  HubSearchResult,
  RankingOptions,
} from './hub-search.types';
import { FieldText, InvertedIndex } from './inverted-index';
import { precisionMatches } from './query-constraints';
import { understandQuery, UnderstoodQuery } from './query-understanding';
import { nameForms, nameTerms, terms, words } from './text-analysis';
import { Scored, TopK } from './top-k';

/** The metric that "most accurate" means, per kind of model: the first one a model reports. */
const ACCURACY_METRICS = [
  'top1',
  'map',
  'map50',
  'box_map',
  'mask_map',
  'miou',
  'exact_match',
  'accuracy',
  'mcc',
  'lfw',
];

const PREFERENCE_MISS = 0.45;
const TASK_BOOST = 0.6;
const FAMILY_SHARE = 0.15;
const MAX_WINDOW = 10_000;
const FACET_KEYS = [
  'task',
  'domain',
  'license',
  'precision',
  'maxBytes',
  'dataset',
  'minMetric',
  'minOperators',
] as const;
const SAME_FAMILY_DECAY = 0.05;
const DIVERSITY_WINDOW = 30;

export class HubSearchIndex {
  private readonly options: RankingOptions;
  private readonly docs: Array<HubDocument | undefined> = [];
  private readonly numbers = new Map<string, number>();
  // Per document number, so the per-candidate loop compares integers rather than strings.
  private readonly familyOf: number[] = [];
  private readonly features: Array<DocFeatures | undefined> = [];
  private taskOf = new Int32Array(1024);
  private work = {
    touched: new Int32Array(0),
    dropped: new Int32Array(0),
    prescores: new Float64Array(0),
    scratch: new Float64Array(0),
  };
  private readonly taskNumbers = new Map<string, number>();
  private readonly familyNumbers = new Map<string, number>();
  private familyBest = new Float64Array(64);
  private readonly index = new InvertedIndex();
  private readonly vocabulary = new FuzzyVocabulary();
  private scores = new Float64Array(1024);
  private readonly isLive = (doc: number): boolean => this.docs[doc] !== undefined;

  constructor(options?: Partial<RankingOptions>) {
    this.options = { ...DEFAULT_RANKING, ...options };
  }

  get size(): number {
    return this.numbers.size;
  }

  /** Adds a model, replacing any earlier one with the same id. */
  add(doc: HubDocument): void {
    if (this.numbers.has(doc.id)) this.remove(doc.id);
    const number = this.docs.length;
    this.docs.push(doc);
    this.numbers.set(doc.id, number);
    if (this.scores.length <= number) {
      const grown = new Float64Array(this.scores.length * 2);
      grown.set(this.scores);
      this.scores = grown;
    }
    const family = (doc.familyId ?? doc.family ?? doc.name).toLowerCase();
    let familyNumber = this.familyNumbers.get(family);
    if (familyNumber === undefined) this.familyNumbers.set(family, (familyNumber = this.familyNumbers.size));
    this.familyOf[number] = familyNumber;
    this.features[number] = new DocFeatures(doc);
    let taskNumber = this.taskNumbers.get(doc.task.toLowerCase());
    if (taskNumber === undefined)
      this.taskNumbers.set(doc.task.toLowerCase(), (taskNumber = this.taskNumbers.size));
    if (this.taskOf.length <= number) {
      const grown = new Int32Array(this.taskOf.length * 2);
      grown.set(this.taskOf);
      this.taskOf = grown;
    }
    this.taskOf[number] = taskNumber;
    if (this.familyBest.length <= familyNumber) {
      const grown = new Float64Array(this.familyBest.length * 2);
      grown.set(this.familyBest);
      this.familyBest = grown;
    }
    this.index.add(number, this.fields(doc));
    for (const word of this.surfaceWords(doc)) this.vocabulary.add(word);
  }

  remove(id: string): void {
    const number = this.numbers.get(id);
    if (number === undefined) return;
    const doc = this.docs[number];
    if (doc) for (const word of this.surfaceWords(doc)) this.vocabulary.delete(word);
    this.docs[number] = undefined;
    this.features[number] = undefined;
    this.numbers.delete(id);
    if (doc) this.index.remove(this.fields(doc), this.isLive);
  }

  search(query: HubQuery): HubSearchResult {
    const understood = understandQuery(query.q ?? '', this.options, this.vocabulary, (term) =>
      this.index.has(term),
    );
    // The page window sizes the heap; a careless caller must not make it allocate the hub's size or more.
    const offset = clampInt(query.offset ?? 0, 0, MAX_WINDOW);
    const limit = clampInt(query.limit, 0, MAX_WINDOW - offset);
    this.ensureWorkspace();
    const { candidates, dropped, relevance } = this.textCandidates(understood);
    const familyOf = this.familyOf;

    const grouping = this.options.familyGrouping && understood.terms.size > 0;
    const familyBest = this.familyBest;
    if (grouping) {
      for (let i = 0; i < candidates.length; i++) {
        const doc = candidates[i];
        const value = relevance(doc);
        if (value > familyBest[familyOf[doc]]) familyBest[familyOf[doc]] = value;
      }
    }

    const top = new TopK(offset + limit + (this.options.familyGrouping ? DIVERSITY_WINDOW : 0));
    const hasFacets = FACET_KEYS.some((key) => query[key] !== undefined && query[key] !== '');
    const passesFacets = this.facetFilter(query);
    let total = 0;
    for (let i = 0; i < candidates.length; i++) {
      const number = candidates[i];
      const doc = this.docs[number];
      const features = this.features[number];
      if (!doc || !features || (hasFacets && !passesFacets(doc, features))) continue;
      const family = grouping ? familyBest[familyOf[number]] : 0;
      const score = this.finalScore(features, relevance(number), family, understood);
      if (score === null) continue;
      total += 1;
      top.offer(number, score);
    }
    if (grouping) for (let i = 0; i < candidates.length; i++) familyBest[familyOf[candidates[i]]] = 0;
    // Past the cap a match is counted, not ranked.
    if (!hasFacets && this.options.constraintMode === 'prefer') total += dropped.length;
    else
      for (let i = 0; i < dropped.length; i++) {
        const doc = this.docs[dropped[i]];
        const features = this.features[dropped[i]];
        if (!doc || !features || (hasFacets && !passesFacets(doc, features))) continue;
        if (this.keptByTextConstraints(doc, understood)) total += 1;
      }
    if (understood.terms.size > 0) {
      for (let i = 0; i < dropped.length; i++) this.scores[dropped[i]] = 0;
      for (let i = 0; i < candidates.length; i++) this.scores[candidates[i]] = 0;
    }
    const ranked = top.sorted();
    const hits: HubHit[] = (
      this.options.familyGrouping && understood.tasks.size > 0 ? this.diversify(ranked) : ranked
    )
      .slice(offset, offset + limit)
      .map(({ item, score }) => ({ id: this.docs[item]?.id ?? '', score: Math.round(score * 1e4) / 1e4 }));
    return { hits, total, understood: { constraints: understood.constraints.labels } };
  }

  /**
   * Variants of one family (opsets, precisions) tie on text, so a family whose text repeats the query would fill
   * the page; each earlier hit of the same family lowers the next one a little, letting other families in.
   */
  private diversify(ranked: Scored[]): Scored[] {
    const seen = new Map<number, number>();
    const pending = [...ranked];
    const out: Scored[] = [];
    while (pending.length > 0) {
      let bestIndex = 0;
      let bestScore = -Infinity;
      for (let i = 0; i < pending.length; i++) {
        const earlier = seen.get(this.familyOf[pending[i].item]) ?? 0;
        const adjusted = pending[i].score * Math.max(0.5, 1 - SAME_FAMILY_DECAY * earlier);
        if (adjusted > bestScore) [bestIndex, bestScore] = [i, adjusted];
      }
      const [chosen] = pending.splice(bestIndex, 1);
      const key = this.familyOf[chosen.item];
      seen.set(key, (seen.get(key) ?? 0) + 1);
      out.push({ ...chosen, score: bestScore });
    }
    return out;
  }

  /** Buffers reused by every query: a broad query over a large hub would otherwise allocate megabytes each time. */
  private ensureWorkspace(): void {
    const size = this.docs.length;
    if (this.work.touched.length >= size) return;
    const capacity = Math.max(1024, size * 2);
    this.work = {
      touched: new Int32Array(capacity),
      dropped: new Int32Array(capacity),
      prescores: new Float64Array(capacity),
      scratch: new Float64Array(capacity),
    };
  }

  private textCandidates(understood: UnderstoodQuery): {
    candidates: Int32Array;
    dropped: Int32Array;
    relevance: (doc: number) => number;
  } {
    const { touched, dropped } = this.work;
    if (understood.terms.size === 0) {
      let count = 0;
      for (let i = 0; i < this.docs.length; i++) if (this.docs[i]) touched[count++] = i;
      return { candidates: touched.subarray(0, count), dropped: dropped.subarray(0, 0), relevance: () => 1 };
    }
    let count = 0;
    for (const [term, weight] of understood.terms)
      count = this.index.accumulate(term, weight, this.scores, touched, count, this.isLive);
    const scores = this.scores;
    let max = 0;
    for (let i = 0; i < count; i++) if (scores[touched[i]] > max) max = scores[touched[i]];
    const inverse = max > 0 ? 1 / max : 0;
    const relevance = (doc: number): number => scores[doc] * inverse;
    if (count <= this.options.maxCandidates)
      return { candidates: touched.subarray(0, count), dropped: dropped.subarray(0, 0), relevance };
    return { ...this.strongest(count, relevance, understood.tasks), relevance };
  }

  /**
   * Keeps the candidates whose text and task make them contenders when a query touches more than the cap: the rest
   * of the ranking can move a model by less than the task boost, so the page is the same, at a bounded cost.
   */
  private strongest(
    count: number,
    relevance: (doc: number) => number,
    tasks: Set<string>,
  ): { candidates: Int32Array; dropped: Int32Array } {
    const { touched, dropped, prescores, scratch } = this.work;
    // Integers and typed arrays only: this loop runs over every match of a broad query.
    const wanted = new Uint8Array(this.taskNumbers.size);
    for (const task of tasks) {
      const number = this.taskNumbers.get(task);
      if (number !== undefined) wanted[number] = 1;
    }
    const taskOf = this.taskOf;
    for (let i = 0; i < count; i++) {
      const doc = touched[i];
      prescores[i] = relevance(doc) + (wanted[taskOf[doc]] === 1 ? TASK_BOOST : 0);
      scratch[i] = prescores[i];
    }
    const cap = this.options.maxCandidates;
    const threshold = kthLargest(scratch.subarray(0, count), cap);
    let kept = 0;
    let lost = 0;
    for (let i = 0; i < count; i++) {
      if (prescores[i] >= threshold && kept < cap) touched[kept++] = touched[i];
      else dropped[lost++] = touched[i];
    }
    return { candidates: touched.subarray(0, kept), dropped: dropped.subarray(0, lost) };
  }

  /** Relevance, adjusted by task, constraints and family; null when a constraint in 'filter' mode drops it. */
  private finalScore(
    doc: DocFeatures,
    relevance: number,
    familyBest: number,
    understood: UnderstoodQuery,
  ): number | null {
    const { constraints, tasks } = understood;
    let score = relevance;
    if (this.options.familyGrouping) score += FAMILY_SHARE * familyBest;
    if (tasks.size > 0 && tasks.has(doc.task)) score += TASK_BOOST;
    let factor = 1;
    if (constraints.precision && !precisionMatches(constraints.precision, doc.precision))
      factor *= PREFERENCE_MISS;
    if (constraints.maxBytes !== undefined && doc.bytes > constraints.maxBytes) factor *= PREFERENCE_MISS;
    if (factor < 1 && this.options.constraintMode === 'filter') return null;
    score *= factor;
    // A sort asked in words reorders the models that are relevant at all, not the whole hub.
    const relevant = relevance >= 0.5 || understood.terms.size === 0;
    if (constraints.sort === 'accuracy' && relevant) score += 1.5 * doc.accuracy;
    if (constraints.sort === 'size' && relevant) score += 1.5 * doc.smallness;
    if (understood.preferSmall) score += 0.35 * doc.smallness;
    return score;
  }

  private keptByTextConstraints(doc: HubDocument, understood: UnderstoodQuery): boolean {
    if (this.options.constraintMode !== 'filter') return true;
    const { precision, maxBytes } = understood.constraints;
    return (
      (!precision || precisionMatches(precision, doc.precision)) &&
      (maxBytes === undefined || doc.bytes <= maxBytes)
    );
  }

  /** Facets as one predicate, with the query's values folded once rather than per model. */
  private facetFilter(query: HubQuery): (doc: HubDocument, features: DocFeatures) => boolean {
    const task = query.task?.toLowerCase();
    const domain = query.domain?.toLowerCase();
    const license = query.license?.toLowerCase();
    const precision = query.precision?.toLowerCase();
    const { maxBytes, dataset, minMetric, minOperators } = query;
    return (doc, features) =>
      (!task || features.task === task) &&
      (!domain || features.domain === domain) &&
      (!license || features.license === license) &&
      (!precision || precisionMatches(precision, features.precision)) &&
      (maxBytes === undefined || features.bytes <= maxBytes) &&
      (!dataset || doc.datasets.some((name) => sameDataset(name, dataset))) &&
      (!minMetric || (doc.metrics[minMetric.name] ?? -Infinity) >= minMetric.value) &&
      (minOperators === undefined || (doc.pins?.operators ?? 0) >= minOperators);
  }

  private fields(doc: HubDocument): FieldText[] {
    const weighted = this.options.fieldWeights;
    const field = (name: string, list: string[], weight: number): FieldText => ({
      field: name,
      terms: list,
      weight: weighted ? weight : 1,
    });
    const nameLike = weighted ? nameTerms : terms;
    return [
      field('name', nameLike(doc.name), 4),
      field('family', nameLike(`${doc.family ?? ''} ${doc.familyId ?? ''}`), 3),
      field('id', weighted ? nameLike(doc.id) : [], 1),
      field('task', terms(doc.task), 3),
      field('tags', nameLike(doc.tags.join(' ')), 1.5),
      field('datasets', weighted ? terms(doc.datasets.join(' ')) : [], 1.5),
      field('description', terms(doc.description), 1),
    ];
  }

  private surfaceWords(doc: HubDocument): Set<string> {
    const text = `${doc.name} ${doc.family ?? ''} ${doc.task} ${doc.tags.join(' ')} ${doc.datasets.join(' ')}`;
    return new Set([...nameForms(text), ...words(doc.description)]);
  }
}

/** What ranking needs of a model, computed once at add time in one object shape. */
class DocFeatures {
  readonly task: string;
  readonly domain: string;
  readonly license: string;
  readonly precision: string;
  readonly bytes: number;
  readonly smallness: number;
  readonly accuracy: number;

  constructor(doc: HubDocument) {
    this.task = doc.task.toLowerCase();
    this.domain = doc.domain.toLowerCase();
    this.license = doc.license.toLowerCase();
    this.precision = doc.precision.toLowerCase();
    this.bytes = doc.bytes;
    this.smallness = smallness(doc.bytes);
    const metric = ACCURACY_METRICS.find((name) => doc.metrics[name] !== undefined);
    this.accuracy = metric ? doc.metrics[metric] : 0;
  }
}

/** 1 for a kilobyte, 0.5 for a megabyte, 0 from a gigabyte: size matters by orders of magnitude. */
function smallness(bytes: number): number {
  return Math.min(1, Math.max(0, (9 - Math.log10(Math.max(bytes, 1))) / 6));
}

function sameDataset(actual: string, asked: string): boolean {
  const a = actual.toLowerCase();
  const b = asked.toLowerCase().trim();
  return a === b || a.startsWith(`${b} `) || a.startsWith(`${b}(`);
}

/** The k-th largest value (1-based), by quickselect; reorders `values`. */
function kthLargest(values: Float64Array, k: number): number {
  let low = 0;
  let high = values.length - 1;
  const target = Math.min(k, values.length) - 1;
  while (low < high) {
    const pivot = values[(low + high) >> 1];
    let i = low;
    let j = high;
    while (i <= j) {
      while (values[i] > pivot) i++;
      while (values[j] < pivot) j--;
      if (i <= j) {
        [values[i], values[j]] = [values[j], values[i]];
        i++;
        j--;
      }
    }
    if (target <= j) high = j;
    else if (target >= i) low = i;
    else break;
  }
  return values[target];
}

function clampInt(value: number, low: number, high: number): number {
  return Number.isFinite(value) ? Math.min(high, Math.max(low, Math.floor(value))) : low;
}
