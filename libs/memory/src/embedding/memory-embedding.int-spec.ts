import { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@app/database';
import { dbFactory, pgvectorTargets } from '@app/testing';
import { createContext } from '@app/testing';
import { MemoryExtractionModule } from '../memory-extraction.module';
import { MemoryExtractionService } from '../memory-extraction.service';
import { MemoryModule } from '../memory.module';
import { MemoryRepository } from '../memory.repository';
import { MemoryService } from '../memory.service';
import { textRankingSql, type RankedMemory } from '../memory-ranking';
import { lexicalEmbedding } from './lexical-embedder';
import { MemoryEmbeddingBackfill } from './memory-embedding-backfill';
import { MemoryEmbeddingRepository } from './memory-embedding.repository';
import { toVectorLiteral } from './vector-math';
import { VectorSupport } from './vector-support';

// The pgvector path, through the app's own modules and driver: on PGlite everywhere, and on the run's server
// too where it has pgvector (reported skipped where it does not).
for (const target of pgvectorTargets()) {
  const describeOn = target.runs ? describe : describe.skip;
  describeOn(
    `Memory with pgvector, on ${target.name}${target.runs ? '' : ' (skipped: no pgvector there)'}`,
    () => {
      let context: INestApplicationContext;
      let prisma: PrismaService;
      let vectors: VectorSupport;
      let stop: () => Promise<void>;

      beforeAll(async () => {
        const started = await target.start();
        stop = started.stop;
        context = await createContext([MemoryModule, MemoryExtractionModule], [], started.overrides);
        prisma = context.get(PrismaService);
        vectors = context.get(VectorSupport);
      }, 120_000);
      afterAll(async () => {
        await context?.close();
        await stop?.();
      });

      async function scope(): Promise<{ personaId: string; userId: string; versionId: string }> {
        const [persona, user] = await Promise.all([dbFactory.persona(prisma), dbFactory.user(prisma)]);
        return { personaId: persona.id, userId: user.id, versionId: persona.versionId };
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
        expect(vectors.status).toMatchObject({ available: true, enabled: true });
        const again = await Promise.all([vectors.detect(), vectors.detect(), vectors.detect()]);
        expect(again.map((s) => s.enabled)).toEqual([true, true, true]);
        const [table] = await prisma.$queryRaw<{ type: string }[]>`
        SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
         WHERE attrelid = '"MemoryEmbedding"'::regclass AND attname = 'embedding'`;
        expect(table?.type).toBe('vector(256)');
      });

      it('retrieves only the asking consumer’s memories of that persona, never another consumer’s', async () => {
        const { personaId, userId: alice } = await scope();
        const bob = (await dbFactory.user(prisma)).id;
        const otherPersona = (await dbFactory.persona(prisma)).id;
        const mine = await dbFactory.memory(prisma, personaId, alice, 'I am allergic to peanuts');
        const newer = await dbFactory.memory(
          prisma,
          personaId,
          alice,
          'I am allergic to peanuts and cashews',
        );
        await prisma.memory.update({ where: { id: mine.id }, data: { supersededById: newer.id } });
        // Closer to the question than anything of Alice's: ranking alone would put them first.
        await dbFactory.memory(prisma, personaId, bob, 'am I allergic to peanuts? I am allergic to peanuts', {
          importance: 1,
        });
        await dbFactory.memory(prisma, otherPersona, alice, 'am I allergic to peanuts? yes, peanuts', {
          importance: 1,
        });
        const canonical = await dbFactory.memory(prisma, personaId, null, 'peanuts are legumes, not nuts', {
          importance: 1,
        });
        await context.get(MemoryEmbeddingBackfill).run();
        const query = 'am I allergic to peanuts?';
        // The hybrid query is the one under test, not the full-text fallback.
        expect(await vectors.queryVector(query)).not.toBeNull();
        const repository = context.get(MemoryRepository);

        const alices = await repository.retrieve({ personaId, userId: alice, query, limit: 10 });
        expect(alices.map((m) => m.id)).toEqual([newer.id]);
        const canonicals = await repository.retrieve({ personaId, userId: null, query, limit: 10 });
        expect(canonicals.map((m) => m.id)).toEqual([canonical.id]);

        // A reply reads both scopes in one statement, with the question embedded once.
        const embed = jest.spyOn(vectors, 'queryVector');
        const forReply = await repository.retrieveForReply({ personaId, userId: alice, query, limit: 10 });
        expect(embed).toHaveBeenCalledTimes(1);
        embed.mockRestore();
        expect(forReply.user.map((m) => m.id)).toEqual([newer.id]);
        expect(forReply.canonical.map((m) => m.id)).toEqual([canonical.id]);
      });

      it('stores a vector with each memory the worker extracts, in the same transaction', async () => {
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
        const stored = await context.get(MemoryExtractionService).extractFromMessage(message.id);
        expect(stored.length).toBeGreaterThan(0);
        for (const memory of stored) sameVector(await storedVector(memory.id), memory.content);
      });

      it('ranks a memory the question misspells above one that full text alone would put first', async () => {
        const { personaId, userId } = await scope();
        await dbFactory.memory(prisma, personaId, userId, 'I live in Lisbon', { importance: 0.6 });
        await dbFactory.memory(prisma, personaId, userId, 'I am allergic to peanuts', { importance: 0.5 });
        await dbFactory.memory(prisma, personaId, userId, 'my sister is called Margaret', {
          importance: 0.55,
        });
        await context.get(MemoryEmbeddingBackfill).run();
        const input = { personaId, userId, query: 'am I alergic to peanutz?', limit: 3 };

        const textOnly = await prisma.$queryRaw<RankedMemory[]>(textRankingSql(input));
        expect(textOnly[0]?.content).toBe('I live in Lisbon');
        const hybrid = await context.get(MemoryRepository).retrieve(input);
        expect(hybrid.map((m) => m.content)).toEqual([
          'I am allergic to peanuts',
          'I live in Lisbon',
          'my sister is called Margaret',
        ]);
      });

      it('backfills memories written or changed around the repositories, and skips text with nothing to embed', async () => {
        const { personaId, userId } = await scope();
        const violin = await dbFactory.memory(prisma, personaId, userId, 'I play the violin every Sunday');
        const smile = await dbFactory.memory(prisma, personaId, userId, '🙂');
        const backfill = context.get(MemoryEmbeddingBackfill);
        // Counts are not asserted: on the run's server the database is shared with test files running beside this one.
        await backfill.run();
        sameVector(await storedVector(violin.id), 'I play the violin every Sunday');
        expect(await storedVector(smile.id)).toBeNull();
        // Content changed around the repositories: the old vector no longer counts, and is redone.
        await prisma.memory.update({ where: { id: violin.id }, data: { content: 'I play the cello' } });
        await backfill.run();
        sameVector(await storedVector(violin.id), 'I play the cello');
        // Still retrievable: a memory without a vector ranks on the other terms.
        const recalled = await context
          .get(MemoryRepository)
          .retrieve({ personaId, userId, query: '🙂', limit: 5 });
        expect(recalled).toHaveLength(2);
      });

      it('re-embeds an edited memory and drops the vector of a forgotten one', async () => {
        const { personaId, userId } = await scope();
        const memory = await dbFactory.memory(prisma, personaId, userId, 'my dog is called Rex');
        const caller = { id: userId, handle: 'u', role: 'consumer' as const, apiKeyId: 'k' };
        const service = context.get(MemoryService);
        await service.update(caller, memory.id, { content: 'my dog is called Maximilian' });
        sameVector(await storedVector(memory.id), 'my dog is called Maximilian');
        await service.forget(caller, memory.id);
        expect(await storedVector(memory.id)).toBeNull();
      });

      it('upserts many vectors in one statement, skips memories deleted since, and replaces on conflict', async () => {
        const { personaId, userId } = await scope();
        const [a, b] = await Promise.all(
          ['I live in Lisbon', 'I play the cello'].map((text) =>
            dbFactory.memory(prisma, personaId, userId, text),
          ),
        );
        const row = (memoryId: string, content: string) => ({
          memoryId,
          personaId,
          userId,
          model: 'lexical-v1-256',
          content,
          vector: lexicalEmbedding(content),
        });
        const repository = context.get(MemoryEmbeddingRepository);
        const gone = '00000000-0000-4000-8000-00000000dead';
        expect(
          await repository.save([row(a.id, a.content), row(gone, 'deleted'), row(b.id, b.content)]),
        ).toBe(2);
        sameVector(await storedVector(a.id), a.content);
        sameVector(await storedVector(b.id), b.content);
        expect(await repository.save([row(a.id, 'I live in Porto')])).toBe(1);
        sameVector(await storedVector(a.id), 'I live in Porto');
        await prisma.memory.delete({ where: { id: b.id } });
        expect(await storedVector(b.id)).toBeNull();
      });

      it('remembers which text a vector was made from: one made from other text is pending again', async () => {
        const { personaId, userId } = await scope();
        const memory = await dbFactory.memory(prisma, personaId, userId, 'my cat is called Tomasino');
        const repository = context.get(MemoryEmbeddingRepository);
        const isPending = async (model = 'lexical-v1-256'): Promise<boolean> => {
          const before = await prisma.$queryRaw<{ id: string }[]>`
          SELECT max(id::text) AS id FROM "Memory" WHERE id < ${memory.id}::uuid`;
          const pending = await repository.pending(model, before[0]?.id ?? null, 1);
          return pending[0]?.id === memory.id;
        };
        const save = (content: string) =>
          repository.save([
            {
              memoryId: memory.id,
              personaId,
              userId,
              model: 'lexical-v1-256',
              content,
              vector: lexicalEmbedding(content),
            },
          ]);
        expect(await isPending()).toBe(true);
        await save('my cat is called Tom');
        expect(await isPending()).toBe(true);
        await save(memory.content);
        expect(await isPending()).toBe(false);
        expect(await isPending('another-model')).toBe(true);
      });

      it('writes vectors the server reads back as written', async () => {
        const vector = lexicalEmbedding('I live in Lisbon');
        const [row] = await prisma.$queryRaw<{ d: number }[]>`
        SELECT (${toVectorLiteral(vector)}::vector <=> ${toVectorLiteral(vector)}::vector)::float8 AS d`;
        expect(row?.d).toBeCloseTo(0, 5);
      });
    },
  );
}
