import type { Embedder } from './embedder';
import { hashFeatures, normalize } from './feature-hashing';
import { extractFeatures } from './lexical-features';

export const LEXICAL_DIMENSIONS = 256;

// Groups are normalised separately (a sentence's many trigrams would drown its few words). Trigrams lead: they
// match "sistr" to "sister"; words and pairs add exact matches and a little order ("dog bit" is not "bit dog").
const GROUP_WEIGHTS = { words: 0.3, trigrams: 1, bigrams: 0.15 } as const;

/**
 * Feature hashing of words, word pairs and character trigrams: needs no model or network. Lexical, not semantic: it
 * relates "alergic" to "allergic", never "puppy" to "dog"; a real model replaces it through the Embedder interface.
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
