import { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@app/database';
import { createContext, factory } from '@app/testing';
import { randomBytes } from 'node:crypto';
import { hashPersonaContent } from './persona-hash';
import { SlugTakenError, VersionConflictError } from './personas.errors';
import { PersonasRepository } from './personas.repository';

describe('PersonasRepository (PostgreSQL)', () => {
  let context: INestApplicationContext;
  let repository: PersonasRepository;
  let prisma: PrismaService;
  let ownerId: string;

  beforeAll(async () => {
    context = await createContext([], [PersonasRepository]);
    repository = context.get(PersonasRepository);
    prisma = context.get(PrismaService);
    ownerId = (
      await prisma.user.create({
        data: { handle: `repo-${randomBytes(4).toString('hex')}`, role: 'creator' },
      })
    ).id;
  });
  afterAll(() => context.close());

  const slug = () => `repo-${randomBytes(5).toString('hex')}`;
  const createPersona = (overrides: Parameters<typeof factory.personaContent>[0] = {}) => {
    const content = factory.personaContent(overrides);
    return repository.create({ slug: slug(), ownerId, content, hash: hashPersonaContent(content) });
  };

  it('refuses to UPDATE a stored version: versions are immutable in the database itself', async () => {
    const persona = await createPersona();
    await expect(
      prisma.personaVersion.update({
        where: { personaId_version: { personaId: persona.id, version: 1 } },
        data: { hash: '0xdead' },
      }),
    ).rejects.toThrow(/immutable/i);
    const stored = await repository.findVersion(persona.id, 1);
    expect(stored?.hash).toBe(persona.versions[0].hash);
  });

  it('lets exactly one of two concurrent edits of the same version win', async () => {
    const persona = await createPersona();
    const edit = (description: string) => {
      const content = factory.personaContent({ name: persona.name, description });
      return repository.appendVersion({
        personaId: persona.id,
        expectedVersion: 1,
        slug: persona.slug,
        authorId: ownerId,
        content,
        hash: hashPersonaContent(content),
      });
    };
    const results = await Promise.allSettled([edit('a'), edit('b')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(VersionConflictError);
    expect(await repository.listVersions(persona.id)).toHaveLength(2);
  });

  it('turns a duplicate slug into SlugTakenError and stores nothing half-written', async () => {
    const persona = await createPersona();
    const content = factory.personaContent();
    await expect(
      repository.create({ slug: persona.slug, ownerId, content, hash: hashPersonaContent(content) }),
    ).rejects.toBeInstanceOf(SlugTakenError);
    expect(await prisma.persona.count({ where: { name: content.name } })).toBe(0);
  });

  it('ranks a full-text match and finds a misspelt name through trigrams', async () => {
    const tag = `t${randomBytes(4).toString('hex')}`;
    await createPersona({ name: 'Quillon Mirewhistle', description: 'A cartographer of fog.', tags: [tag] });
    await createPersona({
      name: 'Other',
      description: 'Draws maps; cartographer by trade, fog lover.',
      tags: [tag],
    });
    const typo = await repository.search({ q: 'Quilon Mirewistle', tag, limit: 10 });
    expect(typo[0]?.name).toBe('Quillon Mirewhistle');
    const text = await repository.search({ q: 'cartographer', tag, limit: 10 });
    expect(text).toHaveLength(2);
  });
});
