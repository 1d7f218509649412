import type { Embedder } from './embedder';
import { hashFeatures, normalize } from './feature-hashing';
import { extractFeatures } from './lexical-features';

export const LEXICAL_DIMENSIONS = 256;

// How much each feature group counts, each normalised on its own first (otherwise a sentence's many trigrams
// would drown its few words). Trigrams lead because they are what full-text search lacks: they match
// "sistr" to "sister" and "Lisboa" to "Lisbon". Words and word pairs add exact matches and a little order.
// Chosen on a small set of questions and facts: trigrams alone ranked the intended fact first about as often,
// with wider margins, but then "dog bit" and "bit dog" would be the same text.
const GROUP_WEIGHTS = { words: 0.3, trigrams: 1, bigrams: 0.15 } as const;

/**
 * A deterministic embedding of a text's surface form: feature hashing of its words, word pairs and
 * character trigrams into 256 signed slots, sublinear term frequency, L2-normalised. It needs no model and
 * no network, so it works wherever pgvector does. It is lexical, not semantic: it relates "alergic" to
 * "allergic" and "living" to "live" (not a misspelt three-letter word: "dgo" shares no trigram with "dog"),
 * never "puppy" to "dog". A real embedding model replaces it through the Embedder interface.
 */
export function lexicalEmbedding(text: string, dimensions: number = LEXICAL_DIMENSIONS): number[] {
  const features = extractFeatures(text);
  const combined = new Float64Array(dimensions);
  for (const group of ['words', 'trigrams', 'bigrams'] as const) {
    const part = new Float64Array(dimensions);
    hashFeatures(features[group], part);
    normalize(part);
    for (let i = 0; i < dimensions; i++) combined[i] += GROUP_WEIGHTS[group] * part[i];
  }
  return Array.from(normalize(combined));
}

export class LexicalEmbedder implements Embedder {
  // The version changes with anything that changes the vectors (features, weights, hashing).
  readonly model = `lexical-v1-${LEXICAL_DIMENSIONS}`;
  readonly dimensions = LEXICAL_DIMENSIONS;

  embed(texts: readonly string[]): Promise<number[][]> {
    return Promise.resolve(texts.map((text) => lexicalEmbedding(text, this.dimensions)));
  }
}
