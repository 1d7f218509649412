import { Injectable } from '@nestjs/common';
import { PrismaService } from '@app/database';
import type { InferenceRecord, Message, Node, Proof, SettlementBatch } from '@app/database';
import type { SpotCheck } from '@app/database/generated/prisma/client';

export type InferenceDetail = InferenceRecord & {
  node: Node | null;
  batch: SettlementBatch | null;
  proofs: Proof[];
  conversation: { userId: string };
  message: Pick<Message, 'content'>;
  spotCheck: (SpotCheck & { checkerNode: { address: string } | null }) | null;
};

const DETAIL = {
  node: true,
  batch: true,
  proofs: true,
  conversation: { select: { userId: true } },
  message: { select: { content: true } },
  spotCheck: { include: { checkerNode: { select: { address: true } } } },
} as const;

@Injectable()
export class InferencesRepository {
  constructor(private readonly prisma: PrismaService) {}

  findDetail(id: string): Promise<InferenceDetail | null> {
    return this.prisma.inferenceRecord.findUnique({ where: { id }, include: DETAIL });
  }

  /** A conversation's messages and inferences in order, for the audit export; null if the caller is not in it. */
  async findConversationForAudit(conversationId: string, userId: string) {
    const conversation = await this.prisma.conversation.findFirst({
      where: { id: conversationId, userId },
      include: { personaVersion: { select: { version: true, hash: true } } },
    });
    if (!conversation) return null;
    const messages = await this.prisma.message.findMany({
      where: { conversationId },
      orderBy: { seq: 'asc' },
      include: { inference: { include: DETAIL } },
    });
    return { conversation, messages };
  }
}
