import { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@app/database';
import { randomBytes } from 'node:crypto';
import { createContext } from '@app/testing';
import { MemoryRepository } from './memory.repository';

describe('MemoryRepository (PostgreSQL)', () => {
  let context: INestApplicationContext;
  let repository: MemoryRepository;
  let prisma: PrismaService;
  let personaId: string;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    context = await createContext([], [MemoryRepository]);
    repository = context.get(MemoryRepository);
    prisma = context.get(PrismaService);
    const tag = randomBytes(4).toString('hex');
    const [creator, a, b] = await Promise.all(
      ['c', 'a', 'b'].map((p) =>
        prisma.user.create({ data: { handle: `mem-${p}-${tag}`, role: 'consumer' } }),
      ),
    );
    alice = a.id;
    bob = b.id;
    personaId = (
      await prisma.persona.create({
        data: { slug: `mem-${tag}`, ownerId: creator.id, modelId: 'embedded', name: 'M' },
      })
    ).id;
  });
  afterAll(() => context.close());

  const remember = (
    userId: string,
    content: string,
    extra: { importance?: number; createdAt?: Date; supersededById?: string } = {},
  ) => prisma.memory.create({ data: { personaId, userId, scope: 'user', kind: 'fact', content, ...extra } });

  it("recalls the fact a question is about, only from the asker's own memories", async () => {
    await remember(alice, 'my dog is called Rex');
    await remember(alice, 'I live in Lisbon');
    await remember(bob, 'my dog is called Fido');
    const recalled = await repository.retrieve({
      personaId,
      userId: alice,
      query: "what's my dog's name?",
      limit: 1,
    });
    expect(recalled.map((m) => m.content)).toEqual(['my dog is called Rex']);
    const bobs = await repository.retrieve({ personaId, userId: bob, query: 'dog', limit: 10 });
    expect(bobs.map((m) => m.content)).toEqual(['my dog is called Fido']);
  });

  it("recalls, for a reply, the asker's memories and the persona's canonical ones apart, never another consumer's", async () => {
    await prisma.memory.create({
      data: {
        personaId,
        userId: null,
        scope: 'persona',
        kind: 'fact',
        content: 'the persona keeps a dog named Ash',
      },
    });
    const query = 'tell me about the dog';
    const recalled = await repository.retrieveForReply({ personaId, userId: alice, query, limit: 10 });
    const contents = (memories: { content: string }[]) => memories.map((m) => m.content);
    expect(contents(recalled.user)).toEqual(
      contents(await repository.retrieve({ personaId, userId: alice, query, limit: 10 })),
    );
    expect(contents(recalled.user)).toContain('my dog is called Rex');
    expect(contents(recalled.user)).not.toContain('my dog is called Fido');
    expect(contents(recalled.canonical)).toEqual(['the persona keeps a dog named Ash']);
  });

  it('prefers recent and important memories when relevance ties, and skips superseded ones', async () => {
    const user = (
      await prisma.user.create({
        data: { handle: `mem-r-${randomBytes(4).toString('hex')}`, role: 'consumer' },
      })
    ).id;
    const newer = await remember(user, 'I work as a nurse', { createdAt: new Date() });
    await remember(user, 'I work as a teacher', {
      createdAt: new Date(Date.now() - 90 * 86_400_000),
      supersededById: newer.id,
    });
    await remember(user, 'I like tea', {
      importance: 0.1,
      createdAt: new Date(Date.now() - 60 * 86_400_000),
    });
    await remember(user, 'I am allergic to peanuts', { importance: 1 });
    const ranked = await repository.retrieve({ personaId, userId: user, query: 'hello there', limit: 10 });
    expect(ranked.map((m) => m.content)).toEqual([
      'I am allergic to peanuts',
      'I work as a nurse',
      'I like tea',
    ]);
  });

  it('forgets a fact together with the versions it superseded, and nobody else’s', async () => {
    const user = (
      await prisma.user.create({
        data: { handle: `mem-f-${randomBytes(4).toString('hex')}`, role: 'consumer' },
      })
    ).id;
    const current = await remember(user, 'my cat is called Tom');
    const old = await remember(user, 'my cat is called Tim', { supersededById: current.id });
    expect(await repository.deleteWithHistory(current.id, bob)).toBe(0);
    expect(await repository.deleteWithHistory(current.id, user)).toBe(2);
    expect(await prisma.memory.count({ where: { id: { in: [current.id, old.id] } } })).toBe(0);
  });
});
