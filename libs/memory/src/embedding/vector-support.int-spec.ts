import { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@app/database';
import { randomBytes } from 'node:crypto';
import { createContext } from '@app/testing';
import { MemoryModule } from '../memory.module';
import { MemoryRepository } from '../memory.repository';
import { MemoryService } from '../memory.service';
import { VectorSupport } from './vector-support';
import { VectorSupportModule } from './vector-support.module';

// The fallback, on any server: what detection reports, and memory working without vectors. On a server
// without pgvector (the project's own machines) this is the default path; where pgvector exists, the
// same checks run with vectors turned off, and memory-embedding.int-spec.ts covers the vector path.
describe('VectorSupport and retrieval without vectors (PostgreSQL)', () => {
  let context: INestApplicationContext;
  let prisma: PrismaService;
  let serverHasPgvector: boolean;

  beforeAll(async () => {
    const probe = await createContext([], []);
    const rows = await probe.get(PrismaService).$queryRaw<
      { name: string }[]
    >`SELECT name FROM pg_available_extensions WHERE name = 'vector'`;
    await probe.close();
    serverHasPgvector = rows.length > 0;
    context = await createContext([
      VectorSupportModule.forRoot({ mode: serverHasPgvector ? 'off' : 'auto' }),
      MemoryModule,
    ]);
    prisma = context.get(PrismaService);
  });
  afterAll(() => context?.close());

  it('reports at start whether the server has pgvector, and why vectors are off', () => {
    const status = context.get(VectorSupport).status;
    expect(status.enabled).toBe(false);
    expect(status.available).toBe(serverHasPgvector);
    if (serverHasPgvector) expect(status.reason).toContain('turned off');
    else
      expect(status.reason).toBe(
        'the PostgreSQL server has no "vector" extension (not in pg_available_extensions); ' +
          'install pgvector on the server to rank memories by vector similarity too. Using full-text retrieval.',
      );
  });

  it('recalls, corrects and forgets memories with full-text ranking alone', async () => {
    const tag = randomBytes(4).toString('hex');
    const [creator, user] = await Promise.all(
      ['c', 'u'].map((p) => prisma.user.create({ data: { handle: `vs-${p}-${tag}`, role: 'consumer' } })),
    );
    const personaId = (
      await prisma.persona.create({
        data: { slug: `vs-${tag}`, ownerId: creator.id, modelId: 'embedded', name: 'V' },
      })
    ).id;
    const remember = (content: string) =>
      prisma.memory.create({ data: { personaId, userId: user.id, scope: 'user', kind: 'fact', content } });
    const dog = await remember('my dog is called Rex');
    await remember('I live in Lisbon');
    const memories = context.get(MemoryRepository);
    const recall = async (query: string) =>
      (await memories.retrieve({ personaId, userId: user.id, query, limit: 1 })).map((m) => m.content);

    expect(await recall("what's my dog's name?")).toEqual(['my dog is called Rex']);
    // An edit goes through without an embedding table to write to.
    const caller = { id: user.id, handle: user.handle, role: 'consumer' as const, apiKeyId: 'k' };
    await context.get(MemoryService).update(caller, dog.id, { content: 'my dog is called Max' });
    expect(await recall('what is the name of my dog')).toEqual(['my dog is called Max']);
    await context.get(MemoryService).forget(caller, dog.id);
    expect(await recall('dog')).toEqual(['I live in Lisbon']);
  });
});
