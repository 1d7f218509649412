import { DEFAULT_RANK_WEIGHTS, hybridRankingSql, RetrieveInput, textRankingSql } from './memory-ranking';

const input: RetrieveInput = {
  personaId: '00000000-0000-4000-8000-000000000001',
  userId: '00000000-0000-4000-8000-000000000002',
  query: "what's my dog's name?",
  limit: 8,
};
const vector = { model: 'lexical-v1-256', literal: '[0.5,-0.5]' };
const oneLine = (sql: string): string => sql.replace(/\s+/g, ' ').trim();

describe('textRankingSql (pgvector off: the fallback)', () => {
  it('is the full-text query retrieval has always run, touching nothing of pgvector', () => {
    const query = textRankingSql(input);
    expect(oneLine(query.text)).toBe(
      oneLine(`
      WITH q AS (
        -- Any word may match (OR): "what's my dog's name" should still find "my dog is called Rex".
        SELECT to_tsquery('english', coalesce(array_to_string(tsvector_to_array(to_tsvector('english', $1)), ' | '), '')) AS ts
      )
      SELECT m.id, m.content, m.kind, m.importance, m."createdAt",
             ($2 * ts_rank(m."searchVector", q.ts)
              + $3 * exp(-ln(2) * extract(epoch FROM (now() - m."createdAt")) / (86400.0 * $4))
              + $5 * m.importance)::float8 AS score
      FROM "Memory" m, q
      WHERE m."personaId" = $6::uuid AND "userId" = $7::uuid AND m."supersededById" IS NULL
      ORDER BY score DESC, m."createdAt" DESC
      LIMIT $8`),
    );
    expect(query.values).toEqual([input.query, 1, 0.3, 30, 0.3, input.personaId, input.userId, 8]);
  });

  it('asks for canonical memories with IS NULL, not = NULL', () => {
    expect(textRankingSql({ ...input, userId: null }).text).toContain('"userId" IS NULL');
  });
});

describe('hybridRankingSql (pgvector on)', () => {
  it('filters to the same scope first, then adds cosine similarity to the same terms', () => {
    const query = hybridRankingSql(input, vector);
    const sql = oneLine(query.text);
    expect(sql).toContain('WHERE m."personaId" = $');
    expect(sql).toContain('AND m."userId" = $');
    expect(sql).toContain('m."supersededById" IS NULL');
    expect(sql).toContain('coalesce(greatest(0, 1 - (e.embedding <=> q.v)), 0)');
    // Only vectors of the query's own model are comparable.
    expect(sql).toMatch(/LEFT JOIN "MemoryEmbedding" e ON e."memoryId" = m.id AND e.model = \$\d+/);
    // ...and only a vector of the memory's current content.
    expect(sql).toContain('AND e."contentHash" = md5(m.content)');
    expect(query.values).toEqual(expect.arrayContaining([vector.literal, vector.model, input.personaId]));
    expect(query.values).toContain(DEFAULT_RANK_WEIGHTS.similarity);
  });

  it('qualifies every userId (the embedding table has one too) and handles canonical memories', () => {
    const sql = oneLine(hybridRankingSql({ ...input, userId: null }, vector).text);
    expect(sql).toContain('m."userId" IS NULL');
    expect(sql).not.toMatch(/[^.]"userId"/);
  });

  it('takes the caller’s weights, and a default similarity weight when they do not name one', () => {
    const weights = { relevance: 2, recency: 0, importance: 0.5, halfLifeDays: 7 };
    expect(hybridRankingSql({ ...input, weights }, vector).values.slice(1, 4)).toEqual([
      vector.literal,
      2,
      DEFAULT_RANK_WEIGHTS.similarity,
    ]);
    expect(
      hybridRankingSql({ ...input, weights: { ...weights, similarity: 0.9 } }, vector).values.slice(1, 4),
    ).toEqual([vector.literal, 2, 0.9]);
  });
});
