// Reads the ONNX Model Zoo corpus (libs/hub/corpus, see its README) into search documents and judgments.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HubDocument } from './hub-search.types';
import { Judgments } from './ranking-metrics';

/** A corpus line (libs/hub/corpus/README.md, "Fields of models.jsonl"): what search and the seed read of it. */
export interface CorpusEntry {
  id: string;
  name: string;
  family?: string;
  family_id?: string;
  task: string;
  domain: string;
  tags?: string[];
  precision: string;
  description: string;
  dataset?: string[];
  metrics?: Record<string, number>;
  model_bytes: number;
  opset?: number;
  sha256: string;
  license: string;
  inputs?: unknown[];
  outputs?: unknown[];
}

export interface CorpusQuery {
  qid: string;
  query: string;
}

function jsonLines<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

export function toHubDocument(entry: CorpusEntry): HubDocument {
  return {
    id: entry.id,
    name: entry.name,
    family: entry.family,
    familyId: entry.family_id,
    task: entry.task,
    domain: entry.domain,
    tags: entry.tags ?? [],
    precision: entry.precision,
    description: entry.description,
    datasets: entry.dataset ?? [],
    metrics: entry.metrics ?? {},
    bytes: entry.model_bytes,
    license: entry.license,
  };
}

export function loadCorpusModels(corpusDir: string): HubDocument[] {
  return jsonLines<CorpusEntry>(join(corpusDir, 'models.jsonl')).map(toHubDocument);
}

export function loadQueries(path: string): CorpusQuery[] {
  return jsonLines<CorpusQuery>(path);
}

/** qid → judgments, from `qid<TAB>doc_id<TAB>grade` lines. */
export function loadQrels(path: string): Map<string, Judgments> {
  const byQuery = new Map<string, Judgments>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [qid, docId, grade] = line.trim().split('\t');
    if (!qid || !docId || grade === undefined) continue;
    const judged = byQuery.get(qid) ?? new Map<string, number>();
    judged.set(docId, Number(grade));
    byQuery.set(qid, judged);
  }
  return byQuery;
}
