/** The built-in one is lexical; an embeddings endpoint client can replace it through VectorSupportModule's options. */
export interface Embedder {
  /** Names the embedding space, version included: vectors of another model are never compared, and get recomputed. */
  readonly model: string;
  /** Length of every vector; the pgvector column is created with it. */
  readonly dimensions: number;
  /** One vector per text, in order. Async so a remote model fits the same interface. */
  embed(texts: readonly string[]): Promise<number[][]>;
}

export const EMBEDDER = Symbol('EMBEDDER');
