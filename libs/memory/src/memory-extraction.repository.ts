import { Injectable } from '@nestjs/common';
import { PrismaService } from '@app/database';
import type { Memory, Message } from '@app/database';
import { embeddingRows } from './embedding/embedding-rows';
import { MemoryEmbeddingRepository } from './embedding/memory-embedding.repository';
import type { StoredVectors } from './embedding/vector-support';
import type { ExtractedFact } from './fact-extraction';

export interface SourceMessage {
  message: Message;
  personaId: string;
  userId: string;
  /** The conversation's rolling summary and the last message folded into it. */
  summary: string | null;
  summaryUpToId: string | null;
  /** Facts were already stored from this message (the job ran before). */
  extracted: boolean;
}

type SourceRow = Message & Omit<SourceMessage, 'message'>;

@Injectable()
export class MemoryExtractionRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly embeddings: MemoryEmbeddingRepository,
  ) {}

  /** The message, its conversation's owner, persona and summary, and whether it was mined before: one statement. */
  async findSource(messageId: string): Promise<SourceMessage | null> {
    const rows = await this.prisma.$queryRaw<SourceRow[]>`
      SELECT m."id"::text, m."conversationId"::text, m."role"::text, m."content", m."status"::text,
             m."clientMessageId", m."seq", m."createdAt",
             c."personaId"::text AS "personaId", c."userId"::text AS "userId", c."summary",
             c."summaryUpToId"::text AS "summaryUpToId",
             EXISTS (SELECT 1 FROM "Memory" f WHERE f."sourceMessageId" = m."id") AS "extracted"
      FROM "Message" m JOIN "Conversation" c ON c."id" = m."conversationId"
      WHERE m."id" = ${messageId}::uuid`;
    const row = rows[0];
    if (!row) return null;
    const { personaId, userId, summary, summaryUpToId, extracted, ...message } = row;
    return { message, personaId, userId, summary, summaryUpToId, extracted };
  }

  /** Complete messages outside the prompt window (all but the newest `keepRecent`) not yet summarised, oldest first. */
  async unsummarised(source: SourceMessage, keepRecent: number): Promise<Message[]> {
    const { conversationId } = source.message;
    // The newest message that has left the prompt window; none while the conversation is short (most are).
    const boundary = await this.prisma.message.findFirst({
      where: { conversationId, status: 'complete' },
      orderBy: { seq: 'desc' },
      skip: keepRecent,
      select: { seq: true },
    });
    if (!boundary) return [];
    const upTo = source.summaryUpToId
      ? await this.prisma.message.findUnique({ where: { id: source.summaryUpToId }, select: { seq: true } })
      : null;
    return this.prisma.message.findMany({
      where: {
        conversationId,
        status: 'complete',
        seq: { lte: boundary.seq, ...(upTo ? { gt: upTo.seq } : {}) },
      },
      orderBy: { seq: 'asc' },
    });
  }

  liveFacts(personaId: string, userId: string): Promise<Memory[]> {
    return this.prisma.memory.findMany({ where: { personaId, userId, kind: 'fact', supersededById: null } });
  }

  /** One transaction: a crash never leaves two live versions of one fact, nor a fact without its vector. */
  async store(
    source: SourceMessage,
    facts: (ExtractedFact & { supersedes: string[] })[],
    vectors: StoredVectors | null = null,
  ): Promise<Memory[]> {
    return this.prisma.$transaction(async (tx) => {
      const created: Memory[] = [];
      for (const fact of facts) {
        const memory = await tx.memory.create({
          data: {
            personaId: source.personaId,
            userId: source.userId,
            scope: 'user',
            kind: 'fact',
            content: fact.content,
            importance: fact.importance,
            sourceMessageId: source.message.id,
          },
        });
        if (fact.supersedes.length > 0) {
          await tx.memory.updateMany({
            where: { id: { in: fact.supersedes }, supersededById: null },
            data: { supersededById: memory.id },
          });
        }
        created.push(memory);
      }
      if (vectors) await this.embeddings.save(embeddingRows(created, vectors), tx);
      return created;
    });
  }
}
