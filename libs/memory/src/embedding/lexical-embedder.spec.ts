import { LEXICAL_DIMENSIONS, LexicalEmbedder, lexicalEmbedding } from './lexical-embedder';
import { cosineSimilarity } from './vector-math';

const similarity = (a: string, b: string): number =>
  cosineSimilarity(lexicalEmbedding(a), lexicalEmbedding(b));
const norm = (v: number[]): number => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));

describe('lexicalEmbedding', () => {
  it('gives the same vector for the same text, on every machine', () => {
    const vector = lexicalEmbedding('My dog is called Rex');
    expect(lexicalEmbedding('My dog is called Rex')).toEqual(vector);
    // Pinned: a change here changes every stored vector, so LexicalEmbedder.model must get a new version
    // (the backfill then re-embeds all memories).
    const firstSlots = vector
      .map((x, i) => [i, Number(x.toFixed(6))])
      .filter(([, x]) => x !== 0)
      .slice(0, 3);
    expect(firstSlots).toEqual([
      [32, 0.225929],
      [45, -0.225929],
      [56, -0.225929],
    ]);
  });

  it('is a unit vector of 256 dimensions, or all zeros for text without letters or digits', () => {
    for (const text of ['I live in Lisbon', 'a', 'Ich wohne in Zürich und mag Käse', 'x'.repeat(5000)]) {
      const vector = lexicalEmbedding(text);
      expect(vector).toHaveLength(LEXICAL_DIMENSIONS);
      expect(norm(vector)).toBeCloseTo(1, 10);
    }
    expect(lexicalEmbedding('?! 🙂').every((x) => x === 0)).toBe(true);
    expect(lexicalEmbedding('').every((x) => x === 0)).toBe(true);
  });

  it('puts texts on the same subject closer than unrelated ones', () => {
    expect(similarity('I live in Lisbon', 'I used to live in Lisbon')).toBeGreaterThan(0.6);
    expect(similarity('my favourite food is sushi', 'what food do I like?')).toBeGreaterThan(
      similarity('my favourite food is sushi', 'I live in Lisbon') + 0.15,
    );
    expect(similarity('I live in Lisbon', 'where am I living?')).toBeGreaterThan(
      similarity('I live in Lisbon', 'I work as a nurse') + 0.2,
    );
  });

  it('survives typos in longer words, and ignores case, accents and punctuation', () => {
    const allergy = 'I am allergic to peanuts';
    expect(similarity(allergy, 'am I alergic to peanutz?')).toBeGreaterThan(0.5);
    expect(similarity(allergy, 'am I alergic to peanutz?')).toBeGreaterThan(
      similarity(allergy, 'my sister is called Margaret') + 0.3,
    );
    expect(similarity('my sister is called Margaret', 'what is my sistr Margret called')).toBeGreaterThan(
      0.5,
    );
    expect(similarity('I love the café in Zürich', 'i love the CAFE in zurich!')).toBeCloseTo(1, 10);
  });

  it('is lexical, not semantic: a synonym with no letters in common is not found', () => {
    // Documented limit: a real embedding model replaces LexicalEmbedder where this matters.
    expect(similarity('my dog is called Rex', 'tell me about my puppy')).toBeLessThan(0.2);
  });
});

describe('LexicalEmbedder', () => {
  it('embeds a batch in order, and names its model with the dimension count', async () => {
    const embedder = new LexicalEmbedder();
    const texts = ['I live in Lisbon', 'my dog is called Rex'];
    expect(await embedder.embed(texts)).toEqual(texts.map((text) => lexicalEmbedding(text)));
    expect(embedder.dimensions).toBe(256);
    expect(embedder.model).toBe('lexical-v1-256');
  });
});
