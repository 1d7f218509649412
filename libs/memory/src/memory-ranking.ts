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
  /** Days for the recency term to halve. */
  halfLifeDays: number;
  /** Weight of cosine similarity (clamped at 0) to the query; used only while vector support is enabled. */
  similarity?: number;
}

/**
 * The terms and their ranges: ts_rank is ~0.06-0.1 for a memory that shares a word with the question; recency
 * decays from 1 to 0.5 in 30 days; importance is 0-1. Cosine similarity of the lexical embedding is ~0.3-0.8
 * between texts on the same subject (typos and inflections included) and 0 +/- 0.12 (hashing noise)
 * otherwise, so at 0.3 it lifts a related memory by ~0.1-0.25, more than a word match and less than the
 * importance range, and noise moves a score by at most ~0.04. It decides where words differ in spelling,
 * and leaves recency and importance their say.
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

/**
 * Full-text ranking, the path when vector support is off: filter to one (persona, user) first (index), then
 * rank every live memory there by text relevance, exponential recency decay and importance. Without matching
 * words, recency and importance decide.
 */
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
 * Hybrid ranking, the path when vector support is on. The same filter first and the same candidates (every
 * live memory of the (persona, user), as the text path), each also scored by cosine similarity to the query.
 * The similarity is exact, not from an approximate index: the scope is small (its own index finds it) and an
 * HNSW search filtered to one scope would return too few rows. A memory without a vector of this model for
 * its current content (the backfill has not reached it) scores 0 on similarity and ranks on the other terms.
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
