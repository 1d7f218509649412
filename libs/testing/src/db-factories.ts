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
};
