import { Injectable } from '@nestjs/common';
import { PrismaService } from '@app/database';
import type { Conversation, Message } from '@app/database';

@Injectable()
export class ConversationsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The conversation and its greeting in one transaction. */
  createWithGreeting(input: {
    personaId: string;
    personaVersionId: string;
    userId: string;
    greeting: string | null;
  }): Promise<Conversation & { messages: Message[] }> {
    return this.prisma.$transaction(async (tx) => {
      const conversation = await tx.conversation.create({
        data: { personaId: input.personaId, personaVersionId: input.personaVersionId, userId: input.userId },
      });
      if (input.greeting) {
        await tx.message.create({
          data: {
            conversationId: conversation.id,
            role: 'assistant',
            content: input.greeting,
            status: 'complete',
          },
        });
      }
      return tx.conversation.findUniqueOrThrow({
        where: { id: conversation.id },
        include: { messages: true },
      });
    });
  }

  findForUser(id: string, userId: string): Promise<Conversation | null> {
    return this.prisma.conversation.findFirst({ where: { id, userId } });
  }

  listForUser(userId: string, limit: number): Promise<Conversation[]> {
    return this.prisma.conversation.findMany({
      where: { userId },
      orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
      take: limit,
    });
  }

  findMessage(conversationId: string, messageId: string): Promise<Message | null> {
    return this.prisma.message.findFirst({ where: { id: messageId, conversationId } });
  }

  /** Newest first, strictly older than `before` (keyset on the insertion sequence). */
  messagesBefore(
    conversationId: string,
    before: Pick<Message, 'seq'> | null,
    limit: number,
  ): Promise<Message[]> {
    return this.prisma.message.findMany({
      where: { conversationId, ...(before ? { seq: { lt: before.seq } } : {}) },
      orderBy: { seq: 'desc' },
      take: limit,
    });
  }
}
