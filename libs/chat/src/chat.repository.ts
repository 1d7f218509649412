import { Injectable } from '@nestjs/common';
import { isRawUniqueViolation, isUniqueViolation, Prisma, PrismaService } from '@app/database';
import type { Conversation, Message, PersonaVersion, VerificationLevel, Visibility } from '@app/database';

export type ChatConversation = Conversation & {
  personaVersion: PersonaVersion;
  persona: { modelId: string; ownerId: string; visibility: Visibility; deletedAt: Date | null };
};

export interface Turn {
  user: Message;
  assistant: Message;
  created: boolean;
}

export interface CompletedInference {
  id: string;
  modelId: string;
  verification: VerificationLevel;
  status: 'pending' | 'unverified';
  input: Prisma.InputJsonValue;
  inputHash: string;
  outputHash: string;
  /** The receipt's salt (v2): stored so participants, and the proofs worker, can recompute both hashes. */
  salt: string;
  personaVersionHash: string;
  memoryIds: string[];
  promptTokens: number;
  completionTokens: number;
  ttftMs: number | null;
  totalMs: number;
  startedAt: Date;
  finishedAt: Date;
  nodeId: string;
  receipt: Prisma.InputJsonValue;
  digest: string;
  previousDigest: string;
  signature: string;
  signer: string;
}

@Injectable()
export class ChatRepository {
  constructor(private readonly prisma: PrismaService) {}

  findConversation(id: string, userId: string): Promise<ChatConversation | null> {
    return this.prisma.conversation.findFirst({
      where: { id, userId },
      include: {
        personaVersion: true,
        persona: { select: { modelId: true, ownerId: true, visibility: true, deletedAt: true } },
      },
    });
  }

  /** The user message and the reply placeholder together; the same clientMessageId again returns the first turn. */
  async createTurn(conversationId: string, content: string, clientMessageId: string): Promise<Turn> {
    // One statement, not an interactive transaction: one round trip on the ack's path, and no connection held
    // across round trips (under load, Prisma gave up starting those: "Unable to start a transaction").
    // The reply's INSERT reads the user message's row, so the user message always gets the smaller seq.
    // No lookup first: a repeat is rare, so the unique index detects it instead of a query on every send.
    try {
      const rows = await this.prisma.$queryRaw<Message[]>`
        WITH u AS (
          INSERT INTO "Message" (id, "conversationId", role, content, status, "clientMessageId")
          VALUES (gen_random_uuid(), ${conversationId}::uuid, 'user', ${content}, 'complete', ${clientMessageId})
          RETURNING *
        ), a AS (
          INSERT INTO "Message" (id, "conversationId", role, content, status)
          SELECT gen_random_uuid(), u."conversationId", 'assistant', '', 'streaming' FROM u
          RETURNING *
        ), touched AS (
          UPDATE "Conversation" SET "updatedAt" = now() WHERE id = ${conversationId}::uuid RETURNING id
        )
        SELECT * FROM u UNION ALL SELECT * FROM a`;
      const user = rows.find((row) => row.role === 'user');
      const assistant = rows.find((row) => row.role === 'assistant');
      if (!user || !assistant) throw new Error('createTurn inserted no messages');
      return { user, assistant, created: true };
    } catch (error) {
      // This clientMessageId was sent before (a retry after a lost ack, or a race): return that turn.
      if (isUniqueViolation(error, 'clientMessageId') || isRawUniqueViolation(error)) {
        const raced = await this.findTurn(conversationId, clientMessageId);
        if (raced) return raced;
      }
      throw error;
    }
  }

  /** The turn a clientMessageId already made, if any. */
  async findTurn(conversationId: string, clientMessageId: string): Promise<Turn | null> {
    const user = await this.prisma.message.findUnique({
      where: { conversationId_clientMessageId: { conversationId, clientMessageId } },
    });
    if (!user) return null;
    const assistant = await this.prisma.message.findFirst({
      where: { conversationId, role: 'assistant', seq: { gt: user.seq } },
      orderBy: { seq: 'asc' },
    });
    return assistant ? { user, assistant, created: false } : null;
  }

  /** Finished turns before the given one, newest first: what the prompt may include. */
  recentHistory(conversationId: string, beforeSeq: bigint, limit: number): Promise<Message[]> {
    return this.prisma.message.findMany({
      where: { conversationId, seq: { lt: beforeSeq }, status: 'complete' },
      orderBy: { seq: 'desc' },
      take: limit,
    });
  }

  findMessage(id: string): Promise<(Message & { conversation: Conversation }) | null> {
    return this.prisma.message.findUnique({ where: { id }, include: { conversation: true } });
  }

  /**
   * The reply and its inference record in one transaction: a reply is never complete without its record. The
   * conversation's row is locked while the receipt is built, so it follows the newest receipt even if the Redis
   * lock was lost (Redis restarted, a stream outlived the lock): a conversation's receipt chain never forks.
   */
  async completeReply(
    assistant: Message,
    content: string,
    build: (previousDigest: string | null) => Promise<CompletedInference>,
  ): Promise<CompletedInference> {
    const conversationId = assistant.conversationId;
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT 1 FROM "Conversation" WHERE id = ${conversationId}::uuid FOR UPDATE`;
        const last = await tx.inferenceRecord.findFirst({
          where: { conversationId, digest: { not: null } },
          // By the reply's seq, not a timestamp: two fast turns can finish within the same millisecond.
          orderBy: { message: { seq: 'desc' } },
          select: { digest: true },
        });
        const inference = await build(last?.digest ?? null);
        await tx.message.update({ where: { id: assistant.id }, data: { content, status: 'complete' } });
        await tx.inferenceRecord.create({ data: { messageId: assistant.id, conversationId, ...inference } });
        return inference;
      },
      // A finished reply must not be lost to a busy pool: wait for a connection longer than Prisma's 2 s default.
      { maxWait: 15_000, timeout: 15_000 },
    );
  }

  /** Marks a reply failed if it is still streaming; false if it had ended (its api finished it after all). */
  async failAbandonedReply(messageId: string): Promise<boolean> {
    const { count } = await this.prisma.message.updateMany({
      where: { id: messageId, status: 'streaming' },
      data: { status: 'failed' },
    });
    return count === 1;
  }

  /** Replies still streaming that started before `before`, oldest first: candidates for the abandoned-reply sweep. */
  findStreamingBefore(before: Date, limit: number): Promise<Message[]> {
    return this.prisma.message.findMany({
      where: { status: 'streaming', createdAt: { lt: before } },
      orderBy: { createdAt: 'asc' },
      take: limit,
    });
  }

  findStreamingIn(conversationId: string): Promise<Pick<Message, 'id'>[]> {
    return this.prisma.message.findMany({
      where: { conversationId, status: 'streaming' },
      select: { id: true },
    });
  }

  async endReply(messageId: string, content: string, status: 'failed' | 'cancelled'): Promise<void> {
    await this.prisma.message.update({ where: { id: messageId }, data: { content, status } });
  }
}
