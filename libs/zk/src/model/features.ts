import { FEATURE_MAX, SCALE } from './fixed-point';
import {
  INSULT_PREFIXES,
  INSULT_WORDS,
  NEGATIVE_WORDS,
  POSITIVE_WORDS,
  SECOND_PERSON_WORDS,
} from './lexicon';

export const FEATURE_NAMES = [
  'length',
  'exclamation',
  'question',
  'uppercase',
  'insult',
  'positive',
  'negative',
  'secondPerson',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** 128 words and more read as the longest reply. */
const LENGTH_WORDS = 128;
/** Lexicon hits are rare: one hit in four words already counts as the most. */
const LEXICON_DENSITY = 4;

/** Fixed-point integers in [0, 255], by integer arithmetic only, so the prover and every verifier agree anywhere. */
export function extractFeatures(text: string): number[] {
  const normalized = text.normalize('NFKC').replace(/[\u2018\u2019\u02bc]/g, "'");
  const words = normalized.match(/[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu) ?? [];
  const lower = words.map((w) => w.toLowerCase());

  const terminators = normalized.match(/[.!?]+/g) ?? [];
  const trailing = /[\p{L}\p{N}][^.!?]*$/u.test(normalized) ? 1 : 0;
  const sentences = terminators.length + trailing;

  const cased = words.filter((w) => countCased(w) >= 2);
  const shouted = cased.filter((w) => w === w.toUpperCase());

  const count = (test: (word: string) => boolean): number => lower.filter(test).length;
  const insults = count((w) => INSULT_WORDS.has(w) || INSULT_PREFIXES.some((p) => w.startsWith(p)));

  return [
    ratio(words.length, LENGTH_WORDS),
    ratio(terminators.filter((t) => t.includes('!')).length, sentences),
    ratio(terminators.filter((t) => t.includes('?')).length, sentences),
    ratio(shouted.length, cased.length),
    ratio(insults * LEXICON_DENSITY, words.length),
    ratio(count((w) => POSITIVE_WORDS.has(w)) * LEXICON_DENSITY, words.length),
    ratio(count((w) => NEGATIVE_WORDS.has(w)) * LEXICON_DENSITY, words.length),
    ratio(count((w) => SECOND_PERSON_WORDS.has(w) || w.startsWith("you'")) * LEXICON_DENSITY, words.length),
  ];
}

export function namedFeatures(features: readonly number[]): Record<FeatureName, number> {
  return Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, features[i]])) as Record<
    FeatureName,
    number
  >;
}

function ratio(count: number, total: number): number {
  return total === 0 ? 0 : Math.min(FEATURE_MAX, Math.floor((SCALE * count) / total));
}

/** Letters that have an upper and a lower case (so digits and most scripts without case do not count). */
function countCased(word: string): number {
  let n = 0;
  for (const ch of word) if (ch.toLowerCase() !== ch.toUpperCase()) n++;
  return n;
}
