import { Prisma } from '@app/database';
import { toVectorLiteral } from './vector-math';

export interface EmbeddingRow {
  memoryId: string;
  personaId: string;
  userId: string | null;
  model: string;
  /** The text the vector was made from; its md5 is stored so that a vector of older content is never used. */
  content: string;
  vector: readonly number[];
}

// pgvector's limit for an indexable column is 2,000 and for any column 16,000; below 1 is meaningless.
const MAX_DIMENSIONS = 16_000;

/**
 * Beside "Memory", not a column on it: schema.prisma must stay valid without pgvector. Owner ids are copied (a memory
 * never changes owner) so a scoped search needs no join; contentHash makes ranking ignore, and the backfill redo, a
 * vector of content that has since changed.
 */
export function createTableSql(dimensions: number): string {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_DIMENSIONS)
    throw new Error(`Embedding dimensions must be an integer from 1 to ${MAX_DIMENSIONS}, got ${dimensions}`);
  // The dimension is a type modifier, which cannot be a bind parameter; it is checked above.
  return `CREATE TABLE IF NOT EXISTS "MemoryEmbedding" (
    "memoryId" uuid PRIMARY KEY REFERENCES "Memory"(id) ON DELETE CASCADE,
    "personaId" uuid NOT NULL,
    "userId" uuid,
    "model" text NOT NULL,
    "contentHash" text NOT NULL,
    "embedding" vector(${dimensions}) NOT NULL
  )`;
}

/** Only for memories that still exist, so one deleted since it was read is skipped instead of failing the batch. */
export function upsertEmbeddingsSql(rows: readonly EmbeddingRow[]): Prisma.Sql {
  if (rows.length === 0) throw new Error('upsertEmbeddingsSql needs at least one row');
  const values = rows.map(
    (row) =>
      Prisma.sql`(${row.memoryId}::uuid, ${row.personaId}::uuid, ${row.userId}::uuid, ${row.model}, md5(${row.content}), ${toVectorLiteral(row.vector)}::vector)`,
  );
  return Prisma.sql`
    INSERT INTO "MemoryEmbedding" ("memoryId", "personaId", "userId", "model", "contentHash", "embedding")
    SELECT v."memoryId", v."personaId", v."userId", v."model", v."contentHash", v."embedding"
      FROM (VALUES ${Prisma.join(values)}) AS v("memoryId", "personaId", "userId", "model", "contentHash", "embedding")
      JOIN "Memory" m ON m.id = v."memoryId"
    ON CONFLICT ("memoryId") DO UPDATE
      SET "model" = EXCLUDED."model", "contentHash" = EXCLUDED."contentHash", "embedding" = EXCLUDED."embedding"`;
}

/** A vector with no direction (a text with no letters or digits): its cosine distance is NaN, so it is not stored. */
export function isZeroVector(vector: readonly number[]): boolean {
  return vector.every((x) => x === 0);
}
