import { Injectable } from '@nestjs/common';
import { PrismaService } from '@app/database';

/** Everything held about one user (GET /v1/me/export), key digests excluded. */
@Injectable()
export class DataExportRepository {
  constructor(private readonly prisma: PrismaService) {}

  async collect(userId: string) {
    const [user, apiKeys, personas, conversations, memories] = await Promise.all([
      this.prisma.user.findUniqueOrThrow({
        where: { id: userId },
        select: { id: true, handle: true, role: true, createdAt: true },
      }),
      this.prisma.apiKey.findMany({
        where: { userId },
        select: { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true, revokedAt: true },
      }),
      this.prisma.persona.findMany({
        where: { ownerId: userId },
        select: {
          id: true,
          slug: true,
          visibility: true,
          createdAt: true,
          deletedAt: true,
          versions: { orderBy: { version: 'asc' } },
        },
      }),
      this.prisma.conversation.findMany({
        where: { userId },
        orderBy: { createdAt: 'asc' },
        include: {
          messages: {
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
            select: { id: true, role: true, content: true, status: true, createdAt: true },
          },
        },
      }),
      this.prisma.memory.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } }),
    ]);
    return { user, apiKeys, personas, conversations, memories };
  }
}

export type DataExport = Awaited<ReturnType<DataExportRepository['collect']>> & { exportedAt: Date };
