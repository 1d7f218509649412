import { createTableSql, isZeroVector, upsertEmbeddingsSql } from './memory-embedding.sql';

// What the statements do is tested by running them (memory-embedding.int-spec.ts, memory-ranking.int-spec.ts);
// here only what is decided before any SQL is sent.
describe('MemoryEmbedding SQL', () => {
  it('refuses a dimension that is not a plain integer (it is spliced into the DDL)', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 16_001]) expect(() => createTableSql(bad)).toThrow('integer');
  });

  it('refuses to build an upsert of no rows', () => {
    expect(() => upsertEmbeddingsSql([])).toThrow('at least one row');
  });

  it('knows a vector with no direction', () => {
    expect(isZeroVector([0, 0, 0])).toBe(true);
    expect(isZeroVector([0, 1e-9])).toBe(false);
  });
});
