import { createTableSql, isZeroVector, upsertEmbeddingsSql } from './memory-embedding.sql';

describe('MemoryEmbedding SQL', () => {
  it('creates a separate table tied to Memory, sized to the embedder', () => {
    const sql = createTableSql(256);
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "MemoryEmbedding"');
    expect(sql).toContain('"memoryId" uuid PRIMARY KEY REFERENCES "Memory"(id) ON DELETE CASCADE');
    expect(sql).toContain('"embedding" vector(256) NOT NULL');
    expect(sql).toContain('"contentHash" text NOT NULL');
  });

  it('refuses a dimension that is not a plain integer (it is spliced into the DDL)', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 16_001]) expect(() => createTableSql(bad)).toThrow('integer');
  });

  it('upserts many rows in one statement, vectors as pgvector text, only for memories that exist', () => {
    const rows = [
      {
        memoryId: 'm1',
        personaId: 'p',
        userId: 'u',
        model: 'lexical-v1-256',
        content: 'a',
        vector: [0.6, 0.8],
      },
      { memoryId: 'm2', personaId: 'p', userId: null, model: 'lexical-v1-256', content: 'b', vector: [1, 0] },
    ];
    const query = upsertEmbeddingsSql(rows);
    expect(query.values).toEqual([
      ...['m1', 'p', 'u', 'lexical-v1-256', 'a', '[0.6,0.8]'],
      ...['m2', 'p', null, 'lexical-v1-256', 'b', '[1,0]'],
    ]);
    // The hash of the text the vector was made from, not of whatever the memory holds by then.
    expect(query.text).toContain('md5($5)');
    expect(query.sql).toContain('JOIN "Memory" m ON m.id = v."memoryId"');
    expect(query.sql).toContain('ON CONFLICT ("memoryId") DO UPDATE');
    expect(() => upsertEmbeddingsSql([])).toThrow();
  });

  it('knows a vector with no direction', () => {
    expect(isZeroVector([0, 0, 0])).toBe(true);
    expect(isZeroVector([0, 1e-9])).toBe(false);
  });
});
