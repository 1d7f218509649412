import { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@app/database';
import { randomBytes } from 'node:crypto';
import { createContext } from '../../../../test/support/nest-context';
import { MemoryExtractionModule } from '../memory-extraction.module';
import { MemoryExtractionService } from '../memory-extraction.service';
import { MemoryModule } from '../memory.module';
import { MemoryRepository } from '../memory.repository';
import { MemoryService } from '../memory.service';
import { textRankingSql, type RankedMemory } from '../memory-ranking';
import { lexicalEmbedding } from './lexical-embedder';
import { MemoryEmbeddingBackfill } from './memory-embedding-backfill';
import { toVectorLiteral } from './vector-math';
import { VectorSupport } from './vector-support';

// The pgvector path. It needs a server with pgvector, which the project's own machines lack (Debian 12 does not
// package it): there every test here logs why and returns without asserting anything, and the fallback is
// covered by vector-support.int-spec.ts. Not skipped silently, and not behind a variable someone must set:
// point the tests at a server with pgvector and they run.
describe('Memory with pgvector (PostgreSQL + pgvector)', () => {
  let context: INestApplicationContext | undefined;
  let prisma: PrismaService;
  let vectors: VectorSupport;

  /** False (after saying why) where the server cannot run this path. */
  const ready = (): boolean => {
    if (context) return true;
    console.info(
      `${expect.getState().currentTestName}: not run, the PostgreSQL server has no pgvector ` +
        '(not in pg_available_extensions).',
    );
    return false;
  };

  beforeAll(async () => {
    const probe = await createContext([], []);
    const rows = await probe.get(PrismaService).$queryRaw<
      { name: string }[]
    >`SELECT name FROM pg_available_extensions WHERE name = 'vector'`;
    await probe.close();
    if (rows.length === 0) return;
    context = await createContext([MemoryModule, MemoryExtractionModule]);
    prisma = context.get(PrismaService);
    vectors = context.get(VectorSupport);
  });
  afterAll(() => context?.close());

  async function scope(): Promise<{ personaId: string; userId: string; versionId: string }> {
    const tag = randomBytes(4).toString('hex');
    const [creator, user] = await Promise.all(
      ['c', 'u'].map((p) => prisma.user.create({ data: { handle: `pv-${p}-${tag}`, role: 'consumer' } })),
    );
    const persona = await prisma.persona.create({
      data: { slug: `pv-${tag}`, ownerId: creator.id, modelId: 'embedded', name: 'P' },
    });
    const version = await prisma.personaVersion.create({
      data: { personaId: persona.id, version: 1, hash: tag, content: {}, createdById: creator.id },
    });
    return { personaId: persona.id, userId: user.id, versionId: version.id };
  }

  const storedVector = async (memoryId: string): Promise<string | null> => {
    const [row] = await prisma.$queryRaw<{ v: string }[]>`
      SELECT embedding::text AS v FROM "MemoryEmbedding" WHERE "memoryId" = ${memoryId}::uuid`;
    return row?.v ?? null;
  };
  const sameVector = (stored: string | null, text: string): void => {
    const expected = lexicalEmbedding(text);
    const actual = (JSON.parse(stored ?? 'null') as number[] | null) ?? [];
    expect(actual).toHaveLength(expected.length);
    actual.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 5));
  };

  it('turns itself on at start, and setting up again (several processes at once) changes nothing', async () => {
    if (!ready()) return;
    expect(vectors.status).toMatchObject({ available: true, enabled: true });
    const again = await Promise.all([vectors.detect(), vectors.detect(), vectors.detect()]);
    expect(again.map((s) => s.enabled)).toEqual([true, true, true]);
    const [table] = await prisma.$queryRaw<{ type: string }[]>`
      SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
       WHERE attrelid = '"MemoryEmbedding"'::regclass AND attname = 'embedding'`;
    expect(table?.type).toBe('vector(256)');
  });

  it('stores a vector with each memory the worker extracts, in the same transaction', async () => {
    if (!ready()) return;
    const { personaId, userId, versionId } = await scope();
    const conversation = await prisma.conversation.create({
      data: { personaId, userId, personaVersionId: versionId },
    });
    const message = await prisma.message.create({
      data: {
        conversationId: conversation.id,
        role: 'user',
        content: 'I live in Lisbon. I am allergic to peanuts.',
      },
    });
    const stored = await context!.get(MemoryExtractionService).extractFromMessage(message.id);
    expect(stored.length).toBeGreaterThan(0);
    for (const memory of stored) sameVector(await storedVector(memory.id), memory.content);
  });

  it('ranks a memory the question misspells above one that full text alone would put first', async () => {
    if (!ready()) return;
    const { personaId, userId } = await scope();
    const remember = (content: string, importance: number) =>
      prisma.memory.create({ data: { personaId, userId, scope: 'user', kind: 'fact', content, importance } });
    await remember('I live in Lisbon', 0.6);
    await remember('I am allergic to peanuts', 0.5);
    await remember('my sister is called Margaret', 0.55);
    await context!.get(MemoryEmbeddingBackfill).run();
    const input = { personaId, userId, query: 'am I alergic to peanutz?', limit: 3 };

    const textOnly = await prisma.$queryRaw<RankedMemory[]>(textRankingSql(input));
    expect(textOnly[0]?.content).toBe('I live in Lisbon');
    const hybrid = await context!.get(MemoryRepository).retrieve(input);
    expect(hybrid.map((m) => m.content)).toEqual([
      'I am allergic to peanuts',
      'I live in Lisbon',
      'my sister is called Margaret',
    ]);
  });

  it('backfills memories written or changed around the repositories, and skips text with nothing to embed', async () => {
    if (!ready()) return;
    const { personaId, userId } = await scope();
    const inserted = await prisma.memory.createManyAndReturn({
      data: ['I play the violin every Sunday', '🙂'].map((content) => ({
        personaId,
        userId,
        scope: 'user' as const,
        kind: 'fact' as const,
        content,
      })),
    });
    const backfill = context!.get(MemoryEmbeddingBackfill);
    // Counts are not asserted: the run's database is shared with test files running beside this one.
    await backfill.run();
    sameVector(await storedVector(inserted[0].id), 'I play the violin every Sunday');
    expect(await storedVector(inserted[1].id)).toBeNull();
    // Content changed around the repositories: the old vector no longer counts, and is redone.
    await prisma.memory.update({ where: { id: inserted[0].id }, data: { content: 'I play the cello' } });
    await backfill.run();
    sameVector(await storedVector(inserted[0].id), 'I play the cello');
    // Still retrievable: a memory without a vector ranks on the other terms.
    const recalled = await context!
      .get(MemoryRepository)
      .retrieve({ personaId, userId, query: '🙂', limit: 5 });
    expect(recalled).toHaveLength(2);
  });

  it('re-embeds an edited memory and drops the vector of a forgotten one', async () => {
    if (!ready()) return;
    const { personaId, userId } = await scope();
    const memory = await prisma.memory.create({
      data: { personaId, userId, scope: 'user', kind: 'fact', content: 'my dog is called Rex' },
    });
    const caller = { id: userId, handle: 'u', role: 'consumer' as const, apiKeyId: 'k' };
    const service = context!.get(MemoryService);
    await service.update(caller, memory.id, { content: 'my dog is called Maximilian' });
    sameVector(await storedVector(memory.id), 'my dog is called Maximilian');
    await service.forget(caller, memory.id);
    expect(await storedVector(memory.id)).toBeNull();
  });

  it('writes vectors the server reads back as written', async () => {
    if (!ready()) return;
    const vector = lexicalEmbedding('I live in Lisbon');
    const [row] = await prisma.$queryRaw<{ d: number }[]>`
      SELECT (${toVectorLiteral(vector)}::vector <=> ${toVectorLiteral(vector)}::vector)::float8 AS d`;
    expect(row?.d).toBeCloseTo(0, 5);
  });
});
