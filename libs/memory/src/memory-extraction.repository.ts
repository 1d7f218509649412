import { Injectable } from '@nestjs/common';
import { PrismaService } from '@app/database';
import type { Memory, Message } from '@app/database';
import type { ExtractedFact } from './fact-extraction';

export interface SourceMessage {
  message: Message;
  personaId: string;
  userId: string;
}

@Injectable()
export class MemoryExtractionRepository {
  constructor(private readonly prisma: PrismaService) {}

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

  liveFacts(personaId: string, userId: string): Promise<Memory[]> {
    return this.prisma.memory.findMany({ where: { personaId, userId, kind: 'fact', supersededById: null } });
  }

  /** New facts and their supersessions in one transaction: a crash never leaves two live versions of one fact. */
  async store(source: SourceMessage, facts: (ExtractedFact & { supersedes: string[] })[]): Promise<Memory[]> {
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
      return created;
    });
  }
}
