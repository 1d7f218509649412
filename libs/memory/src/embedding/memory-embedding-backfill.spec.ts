import { Logger } from '@nestjs/common';
import { embeddingRows } from './embedding-rows';
import { MemoryEmbeddingBackfill } from './memory-embedding-backfill';
import type { MemoryEmbeddingRepository, PendingMemory } from './memory-embedding.repository';
import type { EmbeddingRow } from './memory-embedding.sql';
import type { VectorSupport } from './vector-support';
import { LexicalEmbedder } from './lexical-embedder';

const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Memories in id order; "saved" is what reached the table. */
function fakeStore(contents: string[]) {
  const memories: PendingMemory[] = contents.map((content, i) => ({
    id: id(i + 1),
    personaId: 'p',
    userId: 'u',
    content,
  }));
  const saved = new Map<string, EmbeddingRow>();
  const repository = {
    pending: (model: string, after: string | null, limit: number) =>
      Promise.resolve(
        memories
          .filter((m) => (after === null || m.id > after) && saved.get(m.id)?.model !== model)
          .slice(0, limit),
      ),
    save: (rows: EmbeddingRow[]) => {
      rows.forEach((row) => saved.set(row.memoryId, row));
      return Promise.resolve(rows.length);
    },
  };
  return { repository: repository as unknown as MemoryEmbeddingRepository, saved };
}

function vectorSupport(enabled: boolean): VectorSupport {
  const embedder = new LexicalEmbedder();
  return {
    enabled,
    embedder,
    embedForStorage: async (texts: string[]) =>
      enabled ? { model: embedder.model, texts, vectors: await embedder.embed(texts) } : null,
  } as unknown as VectorSupport;
}

describe('MemoryEmbeddingBackfill', () => {
  // The decisions are asserted here; their log lines would only be noise in the test output.
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));

  it('embeds every pending memory in batches, then finds nothing left to do', async () => {
    const contents = Array.from({ length: 7 }, (_, i) => `fact number ${i} about Lisbon`);
    const { repository, saved } = fakeStore(contents);
    const backfill = new MemoryEmbeddingBackfill(vectorSupport(true), repository);
    expect(await backfill.run(3)).toBe(7);
    expect([...saved.values()].every((row) => row.model === 'lexical-v1-256')).toBe(true);
    expect(await backfill.run(3)).toBe(0);
  });

  it('ends even when some memories have nothing to embed (they keep no vector)', async () => {
    const { repository, saved } = fakeStore(['🙂', 'I live in Lisbon', '?!', 'my dog is called Rex']);
    const backfill = new MemoryEmbeddingBackfill(vectorSupport(true), repository);
    expect(await backfill.run(1)).toBe(2);
    expect([...saved.keys()]).toEqual([id(2), id(4)]);
  });

  it('does nothing while vectors are off', async () => {
    const { repository, saved } = fakeStore(['I live in Lisbon']);
    const backfill = new MemoryEmbeddingBackfill(vectorSupport(false), repository);
    backfill.onApplicationBootstrap();
    await backfill.onModuleDestroy();
    expect(await backfill.run()).toBe(0);
    expect(saved.size).toBe(0);
  });
});

describe('embeddingRows', () => {
  it('pairs memories with their vectors and texts in order, and refuses a count that does not match', () => {
    const memories = [
      { id: 'a', personaId: 'p', userId: null },
      { id: 'b', personaId: 'p', userId: 'u' },
    ];
    const made = {
      model: 'm',
      texts: ['I live in Lisbon', '🙂'],
      vectors: [
        [1, 0],
        [0, 0],
      ],
    };
    expect(embeddingRows(memories, made)).toEqual([
      {
        memoryId: 'a',
        personaId: 'p',
        userId: null,
        model: 'm',
        content: 'I live in Lisbon',
        vector: [1, 0],
      },
    ]);
    expect(() => embeddingRows(memories, { ...made, vectors: [[1, 0]] })).toThrow('1 vectors for 2 texts');
  });
});
