import { cosineSimilarity, toVectorLiteral } from './vector-math';

describe('vector math', () => {
  it("writes pgvector's text form with float4 precision", () => {
    expect(toVectorLiteral([0.1, -0.25, 0, 1 / 3])).toBe('[0.1,-0.25,0,0.3333333]');
    expect(toVectorLiteral([1e-9])).toBe('[1e-9]');
  });

  it('refuses numbers pgvector would reject', () => {
    expect(() => toVectorLiteral([0.1, Number.NaN])).toThrow('finite');
    expect(() => toVectorLiteral([Infinity])).toThrow('finite');
  });

  it('computes cosine similarity, 0 for a zero vector', () => {
    expect(cosineSimilarity([1, 0], [2, 0])).toBeCloseTo(1);
    expect(cosineSimilarity([1, 0], [0, 3])).toBeCloseTo(0);
    expect(cosineSimilarity([1, 1], [-1, -1])).toBeCloseTo(-1);
    expect(cosineSimilarity([0, 0], [1, 0])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow('length');
  });
});
