import { Test } from '@nestjs/testing';
import { AppConfig, loadEnv } from '@app/config';
import { factory } from '@app/testing';
import { ModelRegistry } from '@app/inference';
import { randomUUID } from 'node:crypto';
import type { PersonaContent } from './persona-content';
import { hashPersonaContent } from './persona-hash';
import { ErrorCode } from '@app/common';
import {
  InvalidLorebookKeysError,
  NotPersonaOwnerError,
  PersonaNotFoundError,
  VersionConflictError,
} from './personas.errors';
import { PersonasRepository, PersonaWithCurrent } from './personas.repository';
import { PersonasService } from './personas.service';

/** Just enough of the repository, in memory, to test the service's rules in isolation. */
class FakePersonasRepository {
  personas = new Map<string, PersonaWithCurrent>();

  async create(input: {
    slug: string;
    ownerId: string;
    content: PersonaContent;
    hash: string;
  }): Promise<PersonaWithCurrent> {
    const id = randomUUID();
    const persona = this.row(id, input.slug, input.ownerId, 1, input.content, input.hash);
    this.personas.set(id, persona);
    return persona;
  }

  async appendVersion(input: {
    personaId: string;
    expectedVersion: number;
    slug: string;
    content: PersonaContent;
    hash: string;
  }): Promise<PersonaWithCurrent> {
    const current = this.personas.get(input.personaId);
    if (!current || current.currentVersion !== input.expectedVersion) throw new VersionConflictError();
    const next = this.row(
      input.personaId,
      input.slug,
      current.ownerId,
      input.expectedVersion + 1,
      input.content,
      input.hash,
    );
    this.personas.set(input.personaId, next);
    return next;
  }

  async findByIdOrSlug(idOrSlug: string): Promise<PersonaWithCurrent | null> {
    return [...this.personas.values()].find((p) => p.id === idOrSlug || p.slug === idOrSlug) ?? null;
  }

  async slugExists(slug: string): Promise<boolean> {
    return [...this.personas.values()].some((p) => p.slug === slug);
  }

  async softDelete(id: string): Promise<void> {
    this.personas.delete(id);
  }

  private row(
    id: string,
    slug: string,
    ownerId: string,
    version: number,
    content: PersonaContent,
    hash: string,
  ): PersonaWithCurrent {
    const now = new Date();
    return {
      id,
      slug,
      ownerId,
      currentVersion: version,
      visibility: content.visibility,
      modelId: content.modelId,
      verification: content.verification,
      minOperators: 1,
      name: content.name,
      description: content.description,
      tags: content.tags,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      owner: { handle: 'owner' },
      versions: [
        {
          id: randomUUID(),
          personaId: id,
          version,
          hash,
          content: content as never,
          createdById: ownerId,
          createdAt: now,
        },
      ],
    };
  }
}

describe('PersonasService', () => {
  let service: PersonasService;
  let repository: FakePersonasRepository;
  const creator = factory.authUser({ role: 'creator' });
  const stranger = factory.authUser({ role: 'creator' });
  const admin = factory.authUser({ role: 'admin' });

  beforeEach(async () => {
    repository = new FakePersonasRepository();
    const moduleRef = await Test.createTestingModule({
      providers: [
        PersonasService,
        { provide: PersonasRepository, useValue: repository },
        { provide: AppConfig, useValue: new AppConfig(loadEnv({ DEFAULT_MODEL_ID: 'embedded' })) },
        { provide: ModelRegistry, useValue: new ModelRegistry() },
      ],
    }).compile();
    service = moduleRef.get(PersonasService);
  });

  it('fills spec defaults and platform settings, and hashes exactly the stored content', async () => {
    const view = await service.create(creator, { name: 'Ada', tags: [' math ', 'Math', ''] });
    expect(view).toMatchObject({
      name: 'Ada',
      visibility: 'public',
      modelId: 'embedded',
      verification: 'none',
      tags: ['math'],
      version: 1,
    });
    const stored = repository.personas.get(view.id)!.versions[0].content as unknown as PersonaContent;
    expect(view.versionHash).toBe(hashPersonaContent(stored));
  });

  it('makes slugs from names and never reuses one', async () => {
    const a = await service.create(creator, { name: 'Café Owner!' });
    const b = await service.create(creator, { name: 'Cafe owner' });
    expect(a.slug).toBe('cafe-owner');
    expect(b.slug).toBe('cafe-owner-2');
  });

  it('merges an edit into the current content as a new version and keeps what was not sent', async () => {
    const created = await service.create(creator, {
      name: 'Ada',
      description: 'one',
      lorebook: [{ keys: ['k'], content: 'c' }],
    });
    const edited = await service.update(creator, created.id, { description: 'two' });
    expect(edited).toMatchObject({ version: 2, description: 'two', name: 'Ada' });
    expect(edited.lorebook).toEqual(created.lorebook);
    expect(edited.versionHash).not.toBe(created.versionHash);
  });

  it('refuses unsafe regex lorebook keys on create and on edit, naming entry and key, and stores nothing', async () => {
    const lorebook = [
      { keys: ['castle'], content: 'c' },
      { keys: ['/dragon(s)?/i', '/(a+)+$/'], content: 'd', useRegex: true },
    ];
    const refused = service.create(creator, { name: 'Ada', lorebook });
    await expect(refused).rejects.toBeInstanceOf(InvalidLorebookKeysError);
    await expect(refused).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
      message: expect.stringMatching(
        /^Invalid request: lorebook\[1\]\.keys\[1\]: "\/\(a\+\)\+\$\/" is an unsafe/,
      ),
      details: [{ field: 'lorebook[1].keys[1]', problems: [expect.stringContaining('exponential time')] }],
    });
    expect(repository.personas.size).toBe(0);

    const created = await service.create(creator, { name: 'Ada', lorebook: lorebook.slice(0, 1) });
    await expect(
      service.update(creator, created.id, {
        lorebook: [{ keys: ['/(x|x)*y/'], content: 'x', useRegex: true }],
      }),
    ).rejects.toBeInstanceOf(InvalidLorebookKeysError);
    expect(repository.personas.get(created.id)?.currentVersion).toBe(1);
  });

  it('lets only the owner or an admin change a persona', async () => {
    const created = await service.create(creator, { name: 'Ada' });
    await expect(service.update(stranger, created.id, { name: 'Mine now' })).rejects.toBeInstanceOf(
      NotPersonaOwnerError,
    );
    await expect(service.remove(stranger, created.id)).rejects.toBeInstanceOf(NotPersonaOwnerError);
    await expect(service.update(admin, created.id, { description: 'moderated' })).resolves.toMatchObject({
      version: 2,
    });
  });

  it('answers "not found" for a private persona to anyone but its owner', async () => {
    const created = await service.create(creator, { name: 'Secret', visibility: 'private' });
    await expect(service.get(undefined, created.id)).rejects.toBeInstanceOf(PersonaNotFoundError);
    await expect(service.get(stranger, created.slug)).rejects.toBeInstanceOf(PersonaNotFoundError);
    await expect(service.update(stranger, created.id, { name: 'x' })).rejects.toBeInstanceOf(
      PersonaNotFoundError,
    );
    await expect(service.get(creator, created.id)).resolves.toMatchObject({ name: 'Secret' });
  });

  it('refuses owner=me without a key, and a cursor from another kind of query', async () => {
    await expect(service.search(undefined, { owner: 'me', limit: 10 })).rejects.toThrow(
      'owner=me needs an API key',
    );
    const keyset = Buffer.from(
      JSON.stringify({ kind: 'keyset', createdAt: new Date().toISOString(), id: randomUUID() }),
    ).toString('base64url');
    await expect(service.search(undefined, { q: 'ada', cursor: keyset, limit: 10 })).rejects.toThrow(
      'different query',
    );
  });
});
