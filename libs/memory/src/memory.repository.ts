import { Injectable, Optional } from '@nestjs/common';
import { PrismaService } from '@app/database';
import type { Memory } from '@app/database';
import { upsertEmbeddingsSql, type EmbeddingRow } from './embedding/memory-embedding.sql';
import { VectorSupport } from './embedding/vector-support';
import { Prisma } from '@app/database';
import { hybridRankingSql, QueryVector, RankedMemory, RetrieveInput, textRankingSql } from './memory-ranking';

@Injectable()
export class MemoryRepository {
  constructor(
    private readonly prisma: PrismaService,
    // Absent where only the repository is provided: then retrieval is full-text, as when pgvector is off.
    @Optional() private readonly vectors?: VectorSupport,
  ) {}

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

  /** With the new content's vector, when there is one, in the same transaction: a vector never goes stale. */
  async update(
    id: string,
    data: { content?: string; importance?: number },
    embedding: EmbeddingRow[] = [],
  ): Promise<Memory> {
    if (embedding.length === 0) return this.prisma.memory.update({ where: { id }, data });
    const [memory] = await this.prisma.$transaction([
      this.prisma.memory.update({ where: { id }, data }),
      this.prisma.$executeRaw(upsertEmbeddingsSql(embedding)),
    ]);
    return memory;
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

  /** One (persona, user) first (index), then ranked; memory-ranking.ts holds both queries and the weights. */
  async retrieve(input: RetrieveInput): Promise<RankedMemory[]> {
    const vector = (await this.vectors?.queryVector(input.query)) ?? null;
    return this.prisma.$queryRaw<RankedMemory[]>(rankingSql(input, vector));
  }

  /** The consumer's and the persona's canonical memories, each ranked in its scope, in one statement, embedded once. */
  async retrieveForReply(
    input: Omit<RetrieveInput, 'userId'> & { userId: string },
  ): Promise<{ user: RankedMemory[]; canonical: RankedMemory[] }> {
    const vector = (await this.vectors?.queryVector(input.query)) ?? null;
    const rows = await this.prisma.$queryRaw<(RankedMemory & { canonical: boolean })[]>`
      SELECT false AS canonical, u.* FROM (${rankingSql(input, vector)}) u
      UNION ALL
      SELECT true AS canonical, c.* FROM (${rankingSql({ ...input, userId: null }, vector)}) c
      ORDER BY canonical, score DESC, "createdAt" DESC`;
    const user: RankedMemory[] = [];
    const canonical: RankedMemory[] = [];
    for (const { canonical: isCanonical, ...memory } of rows) (isCanonical ? canonical : user).push(memory);
    return { user, canonical };
  }
}

function rankingSql(input: RetrieveInput, vector: QueryVector | null): Prisma.Sql {
  return vector ? hybridRankingSql(input, vector) : textRankingSql(input);
}
