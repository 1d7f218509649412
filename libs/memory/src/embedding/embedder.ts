/**
 * Turns texts into fixed-length vectors for similarity search. The built-in one is lexical (see
 * LexicalEmbedder); a model behind an OpenAI-compatible /embeddings endpoint can take its place by providing
 * another implementation through VectorSupportModule's options.
 */
export interface Embedder {
  /**
   * Names the embedding space, version included. Stored beside every vector: vectors from another model (or
   * another version of this one) are never compared with the query, and the backfill recomputes them.
   */
  readonly model: string;
  /** Length of every vector; the pgvector column is created with it. */
  readonly dimensions: number;
  /** One vector per text, in order. Async so a remote model fits the same interface. */
  embed(texts: readonly string[]): Promise<number[][]>;
}

export const EMBEDDER = Symbol('EMBEDDER');
