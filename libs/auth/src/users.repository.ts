import { Injectable } from '@nestjs/common';
import { isUniqueViolation, PrismaService, Role } from '@app/database';
import type { ApiKey, User } from '@app/database';
import { HandleTakenError } from './auth.errors';

export interface KeyRecord {
  hash: string;
  prefix: string;
  name: string;
}

export type ApiKeyWithUser = ApiKey & { user: User };

@Injectable()
export class UsersRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** User and first key in one transaction: a failed sign-up leaves nothing behind. */
  async createWithKey(
    handle: string,
    role: Role,
    key: KeyRecord,
    options: { anonymous?: boolean } = {},
  ): Promise<{ user: User; key: ApiKey }> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const user = await tx.user.create({ data: { handle, role, anonymous: options.anonymous ?? false } });
        const apiKey = await tx.apiKey.create({ data: { ...key, userId: user.id } });
        return { user, key: apiKey };
      });
    } catch (error) {
      if (isUniqueViolation(error, 'handle')) throw new HandleTakenError(handle);
      throw error;
    }
  }

  findKeyByHash(hash: string): Promise<ApiKeyWithUser | null> {
    return this.prisma.apiKey.findUnique({ where: { hash }, include: { user: true } });
  }

  findByHandle(handle: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { handle } });
  }

  async touchKey(id: string, at: Date): Promise<void> {
    await this.prisma.apiKey.update({ where: { id }, data: { lastUsedAt: at } });
  }

  createKey(userId: string, key: KeyRecord): Promise<ApiKey> {
    return this.prisma.apiKey.create({ data: { ...key, userId } });
  }

  listKeys(userId: string): Promise<ApiKey[]> {
    return this.prisma.apiKey.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } });
  }

  /** Returns false when the key is not the user's (or not there), so callers cannot probe other users' keys. */
  async revokeKey(userId: string, keyId: string, at: Date): Promise<boolean> {
    const { count } = await this.prisma.apiKey.updateMany({
      where: { id: keyId, userId, revokedAt: null },
      data: { revokedAt: at },
    });
    return count === 1;
  }

  keyExists(userId: string, keyId: string): Promise<ApiKey | null> {
    return this.prisma.apiKey.findFirst({ where: { id: keyId, userId } });
  }
}
