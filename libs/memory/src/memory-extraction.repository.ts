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
}

@Injectable()
export class MemoryExtractionRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly embeddings: MemoryEmbeddingRepository,
  ) {}

  async findSource(messageId: string): Promise<SourceMessage | null> {
    const message = await this.prisma.message.findUnique({
      where: { id: messageId },
      include: { conversation: true },
    });
    if (!message) return null;
    const { conversation, ...plain } = message;
    return { message: plain, personaId: conversation.personaId, userId: conversation.userId };
  }

  async alreadyExtracted(messageId: string): Promise<boolean> {
    return (await this.prisma.memory.count({ where: { sourceMessageId: messageId } })) > 0;
  }

  /** Complete messages outside the prompt window (all but the newest `keepRecent`) not yet summarised, oldest first. */
  async unsummarised(
    conversationId: string,
    keepRecent: number,
  ): Promise<{ summary: string | null; messages: Message[] }> {
    const conversation = await this.prisma.conversation.findUniqueOrThrow({ where: { id: conversationId } });
    const upTo = conversation.summaryUpToId
      ? await this.prisma.message.findUnique({
          where: { id: conversation.summaryUpToId },
          select: { seq: true },
        })
      : null;
    const window = await this.prisma.message.findMany({
      where: { conversationId, status: 'complete' },
      orderBy: { seq: 'desc' },
      skip: keepRecent,
      take: 200,
      select: { seq: true },
    });
    const boundary = window[0]?.seq;
    if (boundary === undefined) return { summary: conversation.summary, messages: [] };
    const messages = await this.prisma.message.findMany({
      where: {
        conversationId,
        status: 'complete',
        seq: { lte: boundary, ...(upTo ? { gt: upTo.seq } : {}) },
      },
      orderBy: { seq: 'asc' },
    });
    return { summary: conversation.summary, messages };
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
