import { Prisma } from '@app/database';
import type { Memory } from '@app/database';

export interface RankedMemory {
  id: string;
  content: string;
  kind: Memory['kind'];
  importance: number;
  createdAt: Date;
  score: number;
}

export interface RankWeights {
  relevance: number;
  recency: number;
  importance: number;
  halfLifeDays: number;
  /** Weight of cosine similarity (clamped at 0) to the query; used only while vector support is enabled. */
  similarity?: number;
}

/**
 * Ranges: ts_rank ~0.06-0.1 for a shared word; recency 1 → 0.5 in 30 days; importance 0-1; lexical cosine ~0.3-0.8 on
 * one subject, 0 ± 0.12 noise otherwise. At 0.3, similarity lifts a related memory by ~0.1-0.25 (more than a word
 * match, less than importance), and noise moves a score by ~0.04 at most.
 */
export const DEFAULT_RANK_WEIGHTS: RankWeights = {
  relevance: 1,
  recency: 0.3,
  importance: 0.3,
  halfLifeDays: 30,
  similarity: 0.3,
};

export interface RetrieveInput {
  personaId: string;
  userId: string | null;
  query: string;
  limit: number;
  weights?: RankWeights;
}

/** The query's embedding as pgvector text, and the model that made it (only its vectors are compared). */
export interface QueryVector {
  model: string;
  literal: string;
}

/** The path when vectors are off; without matching words, recency and importance decide. */
export function textRankingSql(input: RetrieveInput): Prisma.Sql {
  const w = input.weights ?? DEFAULT_RANK_WEIGHTS;
  const owner =
    input.userId === null ? Prisma.sql`"userId" IS NULL` : Prisma.sql`"userId" = ${input.userId}::uuid`;
  return Prisma.sql`
      WITH q AS (
        -- Any word may match (OR): "what's my dog's name" should still find "my dog is called Rex".
        SELECT to_tsquery('english', coalesce(array_to_string(tsvector_to_array(to_tsvector('english', ${input.query})), ' | '), '')) AS ts
      )
      SELECT m.id, m.content, m.kind, m.importance, m."createdAt",
             (${w.relevance} * ts_rank(m."searchVector", q.ts)
              + ${w.recency} * exp(-ln(2) * extract(epoch FROM (now() - m."createdAt")) / (86400.0 * ${w.halfLifeDays}))
              + ${w.importance} * m.importance)::float8 AS score
      FROM "Memory" m, q
      WHERE m."personaId" = ${input.personaId}::uuid AND ${owner} AND m."supersededById" IS NULL
      ORDER BY score DESC, m."createdAt" DESC
      LIMIT ${input.limit}`;
}

/**
 * The path when vectors are on: same filter and candidates, plus exact cosine similarity. Not an approximate index:
 * the scope is small, and HNSW filtered to one scope returns too few rows. A memory without a current vector scores 0.
 */
export function hybridRankingSql(input: RetrieveInput, vector: QueryVector): Prisma.Sql {
  const w = input.weights ?? DEFAULT_RANK_WEIGHTS;
  const similarity = w.similarity ?? DEFAULT_RANK_WEIGHTS.similarity ?? 0;
  // Qualified: MemoryEmbedding has a userId column too.
  const owner =
    input.userId === null ? Prisma.sql`m."userId" IS NULL` : Prisma.sql`m."userId" = ${input.userId}::uuid`;
  return Prisma.sql`
      WITH q AS (
        SELECT to_tsquery('english', coalesce(array_to_string(tsvector_to_array(to_tsvector('english', ${input.query})), ' | '), '')) AS ts,
               ${vector.literal}::vector AS v
      )
      SELECT m.id, m.content, m.kind, m.importance, m."createdAt",
             (${w.relevance} * ts_rank(m."searchVector", q.ts)
              + ${similarity} * coalesce(greatest(0, 1 - (e.embedding <=> q.v)), 0)
              + ${w.recency} * exp(-ln(2) * extract(epoch FROM (now() - m."createdAt")) / (86400.0 * ${w.halfLifeDays}))
              + ${w.importance} * m.importance)::float8 AS score
      FROM "Memory" m CROSS JOIN q
      LEFT JOIN "MemoryEmbedding" e
        ON e."memoryId" = m.id AND e.model = ${vector.model} AND e."contentHash" = md5(m.content)
      WHERE m."personaId" = ${input.personaId}::uuid AND ${owner} AND m."supersededById" IS NULL
      ORDER BY score DESC, m."createdAt" DESC
      LIMIT ${input.limit}`;
}
