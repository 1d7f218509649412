import { Injectable } from '@nestjs/common';
import { isUniqueViolation, PrismaService } from '@app/database';
import { RelayUrlTakenError } from './relays.errors';

export interface RelayRow {
  id: string;
  url: string;
  name: string;
  operatorId: string;
  operator: { handle: string };
}

const SELECT = {
  id: true,
  url: true,
  name: true,
  operatorId: true,
  operator: { select: { handle: true } },
} as const;

@Injectable()
export class RelaysRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(operatorId: string, url: string, name: string): Promise<RelayRow> {
    try {
      return await this.prisma.relay.create({ data: { operatorId, url, name }, select: SELECT });
    } catch (error) {
      if (isUniqueViolation(error, 'url')) throw new RelayUrlTakenError(url);
      throw error;
    }
  }

  /** Listed relays, oldest first; at most `limit` (the registry is small, and the list is public). */
  list(limit: number): Promise<RelayRow[]> {
    return this.prisma.relay.findMany({
      where: { deletedAt: null },
      select: SELECT,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
  }

  findById(id: string): Promise<RelayRow | null> {
    return this.prisma.relay.findFirst({ where: { id, deletedAt: null }, select: SELECT });
  }

  /** Removed from the list; its traffic history stays (the report's past windows still count it). */
  async remove(id: string): Promise<void> {
    // A removed relay's URL may be registered again, by anyone: the row keeps a changed one.
    await this.prisma.relay.update({
      where: { id },
      data: { deletedAt: new Date(), url: `removed:${id}` },
    });
  }
}
