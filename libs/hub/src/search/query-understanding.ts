// Turns the text of a query into weighted index terms, the tasks it asks for and its constraints.

import { SMALL_PREFERENCE, STOPWORDS, SYNONYM_GROUPS, TASK_PHRASES } from './domain-vocabulary';
import { FuzzyVocabulary } from './fuzzy-vocabulary';
import { RankingOptions } from './hub-search.types';
import { parseConstraints, TextConstraints } from './query-constraints';
import { stem, terms, words } from './text-analysis';

export interface UnderstoodQuery {
  /** Index term → weight; empty when the text holds only constraints. */
  terms: Map<string, number>;
  tasks: Set<string>;
  constraints: TextConstraints;
  preferSmall: boolean;
}

const TASK_INDEX = Object.entries(TASK_PHRASES).map(([task, phrases]) => ({
  task,
  // A phrase that leans on a common word ("find face") would fire on that word alone once it is dropped.
  phrases: phrases
    .map((phrase) => terms(phrase))
    .filter((phrase) => phrase.length === 1 || phrase.filter((term) => !STOPWORDS.has(term)).length > 1)
    .map((phrase) => phrase.filter((term) => !STOPWORDS.has(term))),
}));

const SYNONYMS = new Map<string, string[]>();
for (const group of SYNONYM_GROUPS) {
  const stems = group.map(stem);
  for (const term of stems)
    SYNONYMS.set(term, [...(SYNONYMS.get(term) ?? []), ...stems.filter((s) => s !== term)]);
}

const MAX_QUERY_WORDS = 16;
const TASK_WORD_WEIGHT = 0.45;

const SMALL = new Set(SMALL_PREFERENCE.flatMap((phrase) => words(phrase)));

export function understandQuery(
  raw: string,
  options: RankingOptions,
  vocabulary: FuzzyVocabulary,
  isIndexed: (term: string) => boolean,
): UnderstoodQuery {
  const constraints = options.constraints ? parseConstraints(raw) : { text: raw, labels: [] };
  // Typo lookups cost per word: a pasted paragraph is read up to a search box's worth of words.
  // Each distinct word once: a word repeated a hundred times was looked up a hundred times.
  const surface = [...new Set(words(constraints.text).filter((word) => !STOPWORDS.has(word)))].slice(
    0,
    MAX_QUERY_WORDS,
  );
  const weighted = new Map<string, number>();
  const put = (term: string, weight: number): void => {
    if (!STOPWORDS.has(term) && weight > (weighted.get(term) ?? 0)) weighted.set(term, weight);
  };

  const corrected: string[] = [];
  for (const word of surface) {
    const term = stem(word);
    const known = isIndexed(term) || isIndexed(word);
    const preference = options.constraints && SMALL.has(word);
    put(isIndexed(term) ? term : word, preference ? 0.3 : 1);
    corrected.push(term);
    if (known || !options.typos) continue;
    for (const fix of vocabulary.corrections(word)) {
      put(stem(fix.word), fix.weight);
      corrected.push(stem(fix.word));
    }
    for (const longer of vocabulary.extensions(word)) put(stem(longer.word), longer.weight);
  }
  // People split and join names freely: "dense net" is "densenet".
  if (options.typos) {
    for (let i = 0; i + 1 < surface.length; i++) {
      const joined = surface[i] + surface[i + 1];
      if (isIndexed(joined)) put(joined, 1);
    }
  }

  const tasks = new Set<string>();
  if (options.synonyms) {
    const present = new Set(corrected);
    for (const term of [...present]) for (const synonym of SYNONYMS.get(term) ?? []) present.add(synonym);
    const explained = new Set<string>();
    for (const { task, phrases } of TASK_INDEX) {
      for (const phrase of phrases) {
        if (phrase.length === 0 || !phrase.every((term) => present.has(term))) continue;
        tasks.add(task);
        for (const term of phrase) explained.add(term);
      }
    }
    // Words that named a task are matched through the task now; as plain words they would favour whichever
    // description repeats them ("recognition" in digit and face models for "image recognition").
    for (const term of explained) if (weighted.has(term)) weighted.set(term, TASK_WORD_WEIGHT);
    for (const term of corrected) for (const synonym of SYNONYMS.get(term) ?? []) put(synonym, 0.4);
    for (const task of tasks) for (const term of terms(task)) put(term, 0.5);
  }

  const preferSmall = options.constraints && surface.some((word) => SMALL.has(word));
  if (preferSmall) constraints.labels.push('prefer:small');
  for (const task of tasks) constraints.labels.push(`task:${task}`);
  // Only preference words left ("tiny model under 1mb"): rank everything by the constraints.
  const content = surface.filter((word) => !(options.constraints && SMALL.has(word)));
  if (content.length === 0) weighted.clear();
  return { terms: weighted, tasks, constraints, preferSmall };
}
