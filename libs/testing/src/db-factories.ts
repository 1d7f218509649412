import type { PrismaService } from '@app/database';
import { randomBytes } from 'node:crypto';

/** Rows written straight to the database, for repository and integration tests that skip the API. */
export const dbFactory = {
  async user(prisma: PrismaService, role: 'creator' | 'consumer' = 'consumer'): Promise<{ id: string }> {
    return prisma.user.create({ data: { handle: `db-${role}-${randomBytes(5).toString('hex')}`, role } });
  },

  async persona(prisma: PrismaService): Promise<{ id: string; versionId: string }> {
    const tag = randomBytes(5).toString('hex');
    const creator = await dbFactory.user(prisma, 'creator');
    const persona = await prisma.persona.create({
      data: { slug: `db-${tag}`, ownerId: creator.id, modelId: 'embedded', name: 'P' },
    });
    const version = await prisma.personaVersion.create({
      data: { personaId: persona.id, version: 1, hash: tag, content: {}, createdById: creator.id },
    });
    return { id: persona.id, versionId: version.id };
  },

  /** A fact a persona remembers about a consumer (userId null: the persona's own, canonical memory). */
  memory(
    prisma: PrismaService,
    personaId: string,
    userId: string | null,
    content: string,
    extra: { importance?: number; createdAt?: Date; supersededById?: string } = {},
  ) {
    return prisma.memory.create({
      data: {
        personaId,
        userId,
        scope: userId === null ? 'persona' : 'user',
        kind: 'fact',
        content,
        ...extra,
      },
    });
  },

  /** Served replies' records, one conversation for all: what the network's traffic rollup counts. */
  async inferenceRecords(
    prisma: PrismaService,
    records: { nodeId: string | null; promptTokens: number; completionTokens: number; createdAt: Date }[],
  ): Promise<void> {
    const persona = await dbFactory.persona(prisma);
    const consumer = await dbFactory.user(prisma);
    const conversation = await prisma.conversation.create({
      data: { personaId: persona.id, personaVersionId: persona.versionId, userId: consumer.id },
    });
    const messages = await prisma.message.createManyAndReturn({
      data: records.map(() => ({
        conversationId: conversation.id,
        role: 'assistant' as const,
        content: 'r',
      })),
      select: { id: true },
    });
    await prisma.inferenceRecord.createMany({
      data: records.map((record, i) => ({
        ...record,
        messageId: messages[i].id,
        conversationId: conversation.id,
        modelId: 'embedded',
        input: [],
        inputHash: '0x',
        outputHash: '0x',
        personaVersionHash: '0x',
        startedAt: record.createdAt,
        finishedAt: record.createdAt,
      })),
    });
  },
};
