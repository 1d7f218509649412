import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@app/database';
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
}

export const DEFAULT_RANK_WEIGHTS: RankWeights = {
  relevance: 1,
  recency: 0.3,
  importance: 0.3,
  halfLifeDays: 30,
};

@Injectable()
export class MemoryRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** A consumer's live memories of one persona, newest first (superseded facts are history, not shown). */
  listForUser(personaId: string, userId: string): Promise<Memory[]> {
    return this.prisma.memory.findMany({
      where: { personaId, userId, supersededById: null },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
  }

  findOwned(id: string, userId: string): Promise<Memory | null> {
    return this.prisma.memory.findFirst({ where: { id, userId } });
  }

  update(id: string, data: { content?: string; importance?: number }): Promise<Memory> {
    return this.prisma.memory.update({ where: { id }, data });
  }

  /** Forgetting removes the fact and the older versions it superseded: nothing of it stays behind. */
  async deleteWithHistory(id: string, userId: string): Promise<number> {
    return this.prisma.$executeRaw`
      WITH RECURSIVE chain AS (
        SELECT id FROM "Memory" WHERE id = ${id}::uuid AND "userId" = ${userId}::uuid
        UNION
        SELECT m.id FROM "Memory" m JOIN chain c ON m."supersededById" = c.id WHERE m."userId" = ${userId}::uuid
      )
      DELETE FROM "Memory" WHERE id IN (SELECT id FROM chain)`;
  }

  /**
   * Retrieval for a reply: filter to one (persona, user) first (index), then rank the candidates by full-text
   * relevance, exponential recency decay and importance. Without matching words, recency and importance decide.
   */
  retrieve(input: {
    personaId: string;
    userId: string | null;
    query: string;
    limit: number;
    weights?: RankWeights;
  }): Promise<RankedMemory[]> {
    const w = input.weights ?? DEFAULT_RANK_WEIGHTS;
    const owner =
      input.userId === null ? Prisma.sql`"userId" IS NULL` : Prisma.sql`"userId" = ${input.userId}::uuid`;
    return this.prisma.$queryRaw<RankedMemory[]>`
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
}
