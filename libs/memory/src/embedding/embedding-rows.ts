import { EmbeddingRow, isZeroVector } from './memory-embedding.sql';
import type { StoredVectors } from './vector-support';

interface Owned {
  id: string;
  personaId: string;
  userId: string | null;
}

export function embeddingRows(memories: readonly Owned[], made: StoredVectors): EmbeddingRow[] {
  if (made.vectors.length !== memories.length || made.texts.length !== memories.length)
    throw new Error(`The embedder returned ${made.vectors.length} vectors for ${memories.length} texts`);
  return memories.flatMap((memory, i) => {
    const vector = made.vectors[i];
    if (isZeroVector(vector)) return [];
    const { id: memoryId, personaId, userId } = memory;
    return [{ memoryId, personaId, userId, model: made.model, content: made.texts[i], vector }];
  });
}
