import { Injectable } from '@nestjs/common';
import { isRawUniqueViolation, isUniqueViolation, PrismaService } from '@app/database';
import type { Conversation, Message, PersonaVersion, Transaction, Visibility } from '@app/database';

/** A conversation with what a send checks and a reply needs: its pinned persona version and the persona's state. */
export type ConversationWithPersona = Conversation & {
  personaVersion: PersonaVersion;
  persona: {
    modelId: string;
    ownerId: string;
    visibility: Visibility;
    deletedAt: Date | null;
    /** Replies start only while this many independent operators serve the model (the router's admit). */
    minOperators: number;
  };
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One row of findWithPersona's join, before it is shaped. */
type WithPersonaRow = Conversation & {
  vVersion: number;
  vHash: string;
  vContent: PersonaVersion['content'];
  vCreatedById: string;
  vCreatedAt: Date;
  pModelId: string;
  pOwnerId: string;
  pVisibility: Visibility;
  pDeletedAt: Date | null;
  pMinOperators: number;
};

/** A user message and the reply placeholder made for it; `created` is false for a repeated clientMessageId. */
export interface Turn {
  user: Message;
  assistant: Message;
  created: boolean;
}

/** The one writer of the Conversation and Message tables (chat and memory write through it). */
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

  /**
   * One statement on every send (issue 12): Prisma's include read the conversation, its version and its persona in
   * three. Null for an id that is not a UUID, as for one that is not this user's.
   */
  async findWithPersona(id: string, userId: string): Promise<ConversationWithPersona | null> {
    if (!UUID.test(id) || !UUID.test(userId)) return null;
    const rows = await this.prisma.$queryRaw<WithPersonaRow[]>`
      SELECT c."id"::text, c."personaId"::text, c."personaVersionId"::text, c."userId"::text, c."title", c."summary",
             c."summaryUpToId"::text, c."createdAt", c."updatedAt",
             v."version" AS "vVersion", v."hash" AS "vHash", v."content" AS "vContent",
             v."createdById"::text AS "vCreatedById", v."createdAt" AS "vCreatedAt",
             p."modelId" AS "pModelId", p."ownerId"::text AS "pOwnerId", p."visibility"::text AS "pVisibility",
             p."deletedAt" AS "pDeletedAt", p."minOperators" AS "pMinOperators"
      FROM "Conversation" c
      JOIN "PersonaVersion" v ON v."id" = c."personaVersionId"
      JOIN "Persona" p ON p."id" = c."personaId"
      WHERE c."id" = ${id}::uuid AND c."userId" = ${userId}::uuid`;
    const row = rows[0];
    if (!row) return null;
    const { vVersion, vHash, vContent, vCreatedById, vCreatedAt, ...rest } = row;
    const { pModelId, pOwnerId, pVisibility, pDeletedAt, pMinOperators, ...conversation } = rest;
    return {
      ...conversation,
      personaVersion: {
        id: conversation.personaVersionId,
        personaId: conversation.personaId,
        version: vVersion,
        hash: vHash,
        content: vContent,
        createdById: vCreatedById,
        createdAt: vCreatedAt,
      },
      persona: {
        modelId: pModelId,
        ownerId: pOwnerId,
        visibility: pVisibility,
        deletedAt: pDeletedAt,
        minOperators: pMinOperators,
      },
    };
  }

  listForUser(userId: string, limit: number): Promise<Conversation[]> {
    return this.prisma.conversation.findMany({
      where: { userId },
      orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
      take: limit,
    });
  }

  async saveSummary(conversationId: string, summary: string, upToId: string): Promise<void> {
    await this.prisma.conversation.update({
      where: { id: conversationId },
      data: { summary, summaryUpToId: upToId },
    });
  }

  /** A message by id; with `conversationId`, only if it belongs to that conversation. */
  findMessage(messageId: string, conversationId?: string): Promise<Message | null> {
    return this.prisma.message.findFirst({ where: { id: messageId, conversationId } });
  }

  findMessageWithConversation(messageId: string): Promise<(Message & { conversation: Conversation }) | null> {
    return this.prisma.message.findUnique({ where: { id: messageId }, include: { conversation: true } });
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

  /** Finished turns before the given one, newest first: what a prompt may include. */
  recentHistory(conversationId: string, beforeSeq: bigint, limit: number): Promise<Message[]> {
    return this.prisma.message.findMany({
      where: { conversationId, seq: { lt: beforeSeq }, status: 'complete' },
      orderBy: { seq: 'desc' },
      take: limit,
    });
  }

  async createTurn(conversationId: string, content: string, clientMessageId: string): Promise<Turn> {
    // One statement, not an interactive transaction: one round trip on the ack's path, and no connection held across
    // round trips (under load Prisma failed with "Unable to start a transaction"). The reply's INSERT reads the user
    // message's row, so that gets the smaller seq. Repeats are rare: the unique index finds them, not a lookup.
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

  /** Until `tx` ends: replies complete one after another even if the Redis lock was lost (restart, outlived). */
  async lockForReply(tx: Transaction, conversationId: string): Promise<void> {
    await tx.$executeRaw`SELECT 1 FROM "Conversation" WHERE id = ${conversationId}::uuid FOR UPDATE`;
  }

  async completeReply(tx: Transaction, messageId: string, content: string): Promise<void> {
    await tx.message.update({ where: { id: messageId }, data: { content, status: 'complete' } });
  }

  async endReply(messageId: string, content: string, status: 'failed' | 'cancelled'): Promise<void> {
    await this.prisma.message.update({ where: { id: messageId }, data: { content, status } });
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
}
