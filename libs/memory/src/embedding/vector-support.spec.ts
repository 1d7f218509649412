import { Logger } from '@nestjs/common';
import type { Embedder } from './embedder';
import { LexicalEmbedder } from './lexical-embedder';
import type { ExtensionVersions, MemoryEmbeddingRepository } from './memory-embedding.repository';
import { VectorSupport, type VectorSupportOptions } from './vector-support';

/** The catalogue as the repository reports it, and what set-up does to it. */
function fakeRepository(
  state: { available: string | null; installed: string | null; column?: string | null },
  install: (dimensions: number) => Promise<void> = () => Promise.resolve(),
) {
  let column = state.column ?? null;
  let installed = state.installed;
  const calls: { install: number[] } = { install: [] };
  const repository = {
    extensionVersions: (): Promise<ExtensionVersions> =>
      Promise.resolve({ available: state.available, installed }),
    install: async (dimensions: number) => {
      calls.install.push(dimensions);
      await install(dimensions);
      installed ??= state.available;
      column ??= `vector(${dimensions})`;
    },
    embeddingColumnType: () => Promise.resolve(column),
  };
  return { repository: repository as unknown as MemoryEmbeddingRepository, calls };
}

function support(
  repository: MemoryEmbeddingRepository,
  options?: VectorSupportOptions,
  embedder: Embedder = new LexicalEmbedder(),
): VectorSupport {
  return new VectorSupport(repository, embedder, options);
}

describe('VectorSupport', () => {
  // The decisions are asserted here; their log lines would only be noise in the test output.
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));

  it('stays off and says why when the server has no pgvector, without trying to install it', async () => {
    const { repository, calls } = fakeRepository({ available: null, installed: null });
    const vectors = support(repository);
    expect(await vectors.detect()).toEqual({
      available: false,
      enabled: false,
      reason: expect.stringContaining('no "vector" extension (not in pg_available_extensions)'),
    });
    expect(calls.install).toEqual([]);
    expect(await vectors.queryVector('where do I live?')).toBeNull();
    expect(await vectors.embedForStorage(['I live in Lisbon'])).toBeNull();
  });

  it('sets pgvector up and turns on where the server has it, by default', async () => {
    const { repository, calls } = fakeRepository({ available: '0.8.0', installed: null });
    const status = await support(repository).detect();
    expect(status).toEqual({
      available: true,
      enabled: true,
      reason: 'pgvector 0.8.0 in use with embedder "lexical-v1-256" (256 dimensions)',
    });
    expect(calls.install).toEqual([256]);
  });

  it('leaves pgvector alone when turned off', async () => {
    const { repository, calls } = fakeRepository({ available: '0.8.0', installed: null });
    const status = await support(repository, { mode: 'off' }).detect();
    expect(status).toMatchObject({
      available: true,
      enabled: false,
      reason: expect.stringContaining('"off"'),
    });
    expect(calls.install).toEqual([]);
  });

  it('stays off when set-up fails (e.g. the role may not create extensions)', async () => {
    const { repository } = fakeRepository({ available: '0.8.0', installed: null }, () =>
      Promise.reject(new Error('permission denied to create extension "vector"')),
    );
    expect(await support(repository).detect()).toEqual({
      available: true,
      enabled: false,
      reason: expect.stringContaining('permission denied to create extension "vector"'),
    });
  });

  it('stays off when the table holds vectors of another size than the embedder makes', async () => {
    const { repository } = fakeRepository({ available: '0.8.0', installed: '0.8.0', column: 'vector(1536)' });
    const status = await support(repository).detect();
    expect(status.enabled).toBe(false);
    expect(status.reason).toContain('is vector(1536) but the embedder "lexical-v1-256" makes vector(256)');
  });

  it('stays off when the check itself fails, instead of failing the boot', async () => {
    const repository = {
      extensionVersions: () => Promise.reject(new Error('connection refused')),
    } as unknown as MemoryEmbeddingRepository;
    expect(await support(repository).detect()).toEqual({
      available: false,
      enabled: false,
      reason: expect.stringContaining('could not check for pgvector (connection refused)'),
    });
  });

  describe('once on', () => {
    const on = async (embedder?: Embedder): Promise<VectorSupport> => {
      const vectors = support(
        fakeRepository({ available: '0.8.0', installed: '0.8.0' }).repository,
        {},
        embedder,
      );
      await vectors.detect();
      return vectors;
    };

    it("embeds the query in pgvector's text form, tagged with the model", async () => {
      const vector = await (await on()).queryVector('where do I live?');
      expect(vector?.model).toBe('lexical-v1-256');
      expect(vector?.literal).toMatch(/^\[-?[\d.e-]+(,-?[\d.e-]+){255}\]$/);
    });

    it('ranks by text alone for a query with nothing to embed, or when the embedder fails', async () => {
      expect(await (await on()).queryVector('?!')).toBeNull();
      const failing: Embedder = {
        model: 'remote',
        dimensions: 256,
        embed: () => Promise.reject(new Error('503')),
      };
      expect(await (await on(failing)).queryVector('where do I live?')).toBeNull();
    });

    it('embeds memories to store with the model that made them', async () => {
      const made = await (await on()).embedForStorage(['I live in Lisbon', 'my dog is called Rex']);
      expect(made?.model).toBe('lexical-v1-256');
      expect(made?.vectors).toHaveLength(2);
    });
  });
});
