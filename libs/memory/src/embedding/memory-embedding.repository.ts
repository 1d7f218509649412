import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@app/database';
import { createTableSql, EmbeddingRow, upsertEmbeddingsSql } from './memory-embedding.sql';

export interface ExtensionVersions {
  /** The version the server could install (pg_available_extensions), null when pgvector is not on it. */
  available: string | null;
  installed: string | null;
}

export interface PendingMemory {
  id: string;
  personaId: string;
  userId: string | null;
  content: string;
}

// Serialises set-up between processes starting together (api and workers): CREATE EXTENSION and CREATE TABLE
// IF NOT EXISTS are not safe against each other without it.
const SETUP_LOCK = 'twinproof.memory-embedding.setup';

@Injectable()
export class MemoryEmbeddingRepository {
  constructor(private readonly prisma: PrismaService) {}

  async extensionVersions(): Promise<ExtensionVersions> {
    const [row] = await this.prisma.$queryRaw<ExtensionVersions[]>`
      SELECT (SELECT default_version FROM pg_available_extensions WHERE name = 'vector') AS available,
             (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS installed`;
    return row ?? { available: null, installed: null };
  }

  async install(dimensions: number, extensionInstalled: boolean): Promise<void> {
    const createTable = createTableSql(dimensions);
    await this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${SETUP_LOCK}))`;
        // Skipped when present, so a role that may not create extensions works once an admin installed it.
        if (!extensionInstalled) await tx.$executeRawUnsafe('CREATE EXTENSION IF NOT EXISTS vector');
        await tx.$executeRawUnsafe(createTable);
      },
      { maxWait: 30_000, timeout: 60_000 },
    );
  }

  async embeddingColumnType(): Promise<string | null> {
    const [row] = await this.prisma.$queryRaw<{ type: string }[]>`
      SELECT format_type(a.atttypid, a.atttypmod) AS type
        FROM pg_attribute a
       WHERE a.attrelid = to_regclass('"MemoryEmbedding"') AND a.attname = 'embedding' AND NOT a.attisdropped`;
    return row?.type ?? null;
  }

  async save(rows: readonly EmbeddingRow[], client: Prisma.TransactionClient = this.prisma): Promise<number> {
    if (rows.length === 0) return 0;
    return client.$executeRaw(upsertEmbeddingsSql(rows));
  }

  /** Live memories after `afterId` (id order) without a vector of `model` for their current content. */
  pending(model: string, afterId: string | null, limit: number): Promise<PendingMemory[]> {
    const after = afterId === null ? Prisma.empty : Prisma.sql`AND m.id > ${afterId}::uuid`;
    return this.prisma.$queryRaw<PendingMemory[]>`
      SELECT m.id, m."personaId", m."userId", m.content
        FROM "Memory" m
        LEFT JOIN "MemoryEmbedding" e ON e."memoryId" = m.id
       WHERE m."supersededById" IS NULL
         AND (e."memoryId" IS NULL OR e.model <> ${model} OR e."contentHash" <> md5(m.content)) ${after}
       ORDER BY m.id
       LIMIT ${limit}`;
  }
}
