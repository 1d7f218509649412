// npm run eval:hub — search quality of the model hub on a labelled query set (nDCG@10, recall@50, MRR), search
// latency on the corpus and on a synthetic scale-up, and an ablation of the ranking's components.
// Flags: --corpus DIR (or HUB_CORPUS), --queries FILE, --qrels FILE, --scale N (0 skips), --verbose, --json.

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  HubDocument,
  HubSearchIndex,
  Judgments,
  loadCorpusModels,
  loadQrels,
  loadQueries,
  ndcgAt,
  percentile,
  RankingOptions,
  recallAt,
  reciprocalRank,
  syntheticCorpus,
} from '@app/hub/search';
import type { CorpusQuery } from '@app/hub/search';

interface QueryResult {
  qid: string;
  query: string;
  ndcg10: number;
  recall50: number;
  rr: number;
  top: string[];
  understood: string[];
}

interface Quality {
  ndcg10: number;
  recall50: number;
  mrr: number;
  perQuery: QueryResult[];
}

const OFF: Partial<RankingOptions> = {
  fieldWeights: false,
  typos: false,
  synonyms: false,
  constraints: false,
  familyGrouping: false,
};

const ABLATION: Array<{ label: string; options: Partial<RankingOptions> }> = [
  { label: 'BM25 only (uniform fields)', options: OFF },
  { label: '+ field weights, name forms', options: { ...OFF, fieldWeights: true } },
  { label: '+ typo tolerance, split/joined names', options: { ...OFF, fieldWeights: true, typos: true } },
  {
    label: '+ synonyms, task vocabulary',
    options: { ...OFF, fieldWeights: true, typos: true, synonyms: true },
  },
  { label: '+ constraints from text', options: { familyGrouping: false } },
  { label: '+ family grouping (full)', options: {} },
  { label: 'full − field weights', options: { fieldWeights: false } },
  { label: 'full − typo tolerance', options: { typos: false } },
  { label: 'full − synonyms', options: { synonyms: false } },
  { label: 'full − constraints', options: { constraints: false } },
  { label: 'full, text constraints filter', options: { constraintMode: 'filter' } },
];

function evaluate(index: HubSearchIndex, queries: CorpusQuery[], qrels: Map<string, Judgments>): Quality {
  const perQuery = queries.map(({ qid, query }) => {
    const judged = qrels.get(qid) ?? new Map<string, number>();
    const result = index.search({ q: query, limit: 50 });
    const ranked = result.hits.map((hit) => hit.id);
    return {
      qid,
      query,
      ndcg10: ndcgAt(ranked, judged, 10),
      recall50: recallAt(ranked, judged, 50),
      rr: reciprocalRank(ranked, judged, 1),
      top: ranked.slice(0, 5).map((id) => `${id}(${judged.get(id) ?? 0})`),
      understood: result.understood.constraints,
    };
  });
  const mean = (pick: (r: QueryResult) => number): number =>
    perQuery.reduce((sum, r) => sum + pick(r), 0) / Math.max(1, perQuery.length);
  return {
    ndcg10: mean((r) => r.ndcg10),
    recall50: mean((r) => r.recall50),
    mrr: mean((r) => r.rr),
    perQuery,
  };
}

function build(
  docs: HubDocument[],
  options: Partial<RankingOptions> = {},
): { index: HubSearchIndex; ms: number } {
  const started = performance.now();
  const index = new HubSearchIndex(options);
  for (const doc of docs) index.add(doc);
  return { index, ms: performance.now() - started };
}

/** Times every query `rounds` times after one warm-up pass; facet-only and filtered queries are included. */
function latency(
  index: HubSearchIndex,
  queries: CorpusQuery[],
  rounds: number,
): { p50: number; p99: number; max: number; n: number } {
  const requests = [
    ...queries.map(({ query }) => ({ q: query, limit: 20 })),
    { q: 'image classification', task: 'image classification', precision: 'int8', limit: 20 },
    { q: 'detector', minMetric: { name: 'map', value: 0.3 }, limit: 20 },
    { task: 'object detection', limit: 20 },
    { q: 'int8 image classification under 10 MB most accurate', limit: 20 },
  ];
  for (const request of requests) index.search(request);
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const request of requests) {
      const started = performance.now();
      index.search(request);
      samples.push(performance.now() - started);
    }
  }
  return {
    p50: percentile(samples, 0.5),
    p99: percentile(samples, 0.99),
    max: Math.max(...samples),
    n: samples.length,
  };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string' },
      queries: { type: 'string' },
      qrels: { type: 'string' },
      scale: { type: 'string', default: '100000' },
      rounds: { type: 'string', default: '5' },
      verbose: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const corpus = resolve(
    values.corpus ?? process.env.HUB_CORPUS ?? resolve(__dirname, '../../libs/hub/corpus'),
  );
  const queriesPath = values.queries ?? resolve(corpus, 'queries-dev.jsonl');
  const qrelsPath = values.qrels ?? resolve(corpus, 'qrels-dev.tsv');
  const docs = loadCorpusModels(corpus);
  const queries = loadQueries(queriesPath);
  const qrels = loadQrels(qrelsPath);
  const rounds = Number(values.rounds);

  const full = build(docs);
  const quality = evaluate(full.index, queries, qrels);
  const small = latency(full.index, queries, rounds);
  const ablation = ABLATION.map(({ label, options }) => {
    const q = evaluate(build(docs, options).index, queries, qrels);
    return { label, ndcg10: q.ndcg10, recall50: q.recall50, mrr: q.mrr };
  });
  const scale = Number(values.scale);
  let large:
    | { models: number; buildMs: number; heapMb: number; p50: number; p99: number; max: number; n: number }
    | undefined;
  if (scale > docs.length) {
    const built = build(syntheticCorpus(docs, scale));
    const timing = latency(built.index, queries, rounds);
    large = {
      models: built.index.size,
      buildMs: built.ms,
      heapMb: process.memoryUsage().heapUsed / 1e6,
      ...timing,
    };
  }

  const report = {
    corpus,
    queries: queriesPath,
    qrels: qrelsPath,
    models: docs.length,
    quality: { ndcg10: quality.ndcg10, recall50: quality.recall50, mrr: quality.mrr },
    latency: { models: docs.length, ...small },
    scaled: large,
    ablation,
    perQuery: values.verbose ? quality.perQuery : undefined,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const f = (n: number): string => n.toFixed(3);
  const ms = (n: number): string => `${n.toFixed(2)} ms`;
  const lines = [
    `# Hub search evaluation`,
    ``,
    `${docs.length} models from ${corpus}; ${queries.length} queries from ${queriesPath}.`,
    `MRR: mean of 1/rank of the first result with grade ≥ 1 (0 when none in the top 50).`,
    ``,
    `| measure | value |`,
    `| --- | --- |`,
    `| nDCG@10 | ${f(quality.ndcg10)} |`,
    `| recall@50 | ${f(quality.recall50)} |`,
    `| MRR | ${f(quality.mrr)} |`,
    ``,
    `## Latency (one search call, ${small.n} samples)`,
    ``,
    `| models | p50 | p99 | max | build |`,
    `| --- | --- | --- | --- | --- |`,
    `| ${docs.length} | ${ms(small.p50)} | ${ms(small.p99)} | ${ms(small.max)} | ${ms(full.ms)} |`,
    ...(large
      ? [
          `| ${large.models} (synthetic) | ${ms(large.p50)} | ${ms(large.p99)} | ${ms(large.max)} | ${ms(large.buildMs)}, heap ${large.heapMb.toFixed(0)} MB |`,
        ]
      : []),
    ``,
    `## Ablation`,
    ``,
    `| ranking | nDCG@10 | recall@50 | MRR |`,
    `| --- | --- | --- | --- |`,
    ...ablation.map((row) => `| ${row.label} | ${f(row.ndcg10)} | ${f(row.recall50)} | ${f(row.mrr)} |`),
  ];
  if (values.verbose) {
    lines.push(
      '',
      '## Per query',
      '',
      '| qid | query | nDCG@10 | R@50 | RR | understood | top 5 (grade) |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const r of quality.perQuery) {
      lines.push(
        `| ${r.qid} | ${r.query} | ${f(r.ndcg10)} | ${f(r.recall50)} | ${f(r.rr)} | ${r.understood.join(' ')} | ${r.top.join(' ')} |`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
