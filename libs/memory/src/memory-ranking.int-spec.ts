import { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@app/database';
import { createContext, dbFactory, pgvectorTargets } from '@app/testing';
import { MemoryEmbeddingRepository } from './embedding/memory-embedding.repository';
import { lexicalEmbedding } from './embedding/lexical-embedder';
import { toVectorLiteral } from './embedding/vector-math';
import { VectorSupportModule } from './embedding/vector-support.module';
import {
  DEFAULT_RANK_WEIGHTS,
  hybridRankingSql,
  RankedMemory,
  RankWeights,
  RetrieveInput,
  textRankingSql,
} from './memory-ranking';

// Both ranking queries, judged by what they return from a real PostgreSQL rather than by their text.
const DAY_MS = 86_400_000;
const ONLY_RECENCY: RankWeights = { relevance: 0, recency: 1, importance: 0, halfLifeDays: 30 };
const ONLY_IMPORTANCE: RankWeights = { relevance: 0, recency: 0, importance: 1, halfLifeDays: 30 };

describe('textRankingSql, the full-text path (the run’s PostgreSQL, which has no pgvector here)', () => {
  let context: INestApplicationContext;
  let prisma: PrismaService;
  const rank = (input: RetrieveInput) => prisma.$queryRaw<RankedMemory[]>(textRankingSql(input));

  beforeAll(async () => {
    context = await createContext([]);
    prisma = context.get(PrismaService);
  });
  afterAll(() => context.close());

  it('returns only the live memories of one (persona, consumer), and canonical ones only when asked for', async () => {
    const [persona, other, alice, bob] = await Promise.all([
      dbFactory.persona(prisma),
      dbFactory.persona(prisma),
      dbFactory.user(prisma),
      dbFactory.user(prisma),
    ]);
    const old = await dbFactory.memory(prisma, persona.id, alice.id, 'my dog is called Rex');
    const mine = await dbFactory.memory(prisma, persona.id, alice.id, 'my dog is called Rex II');
    await prisma.memory.update({ where: { id: old.id }, data: { supersededById: mine.id } });
    await dbFactory.memory(prisma, persona.id, bob.id, 'my dog is called Fido');
    await dbFactory.memory(prisma, other.id, alice.id, 'my dog is called Spot');
    const canonical = await dbFactory.memory(prisma, persona.id, null, 'dogs are welcome here');
    const query = 'dog';

    expect(
      (await rank({ personaId: persona.id, userId: alice.id, query, limit: 10 })).map((m) => m.id),
    ).toEqual([mine.id]);
    expect((await rank({ personaId: persona.id, userId: null, query, limit: 10 })).map((m) => m.id)).toEqual([
      canonical.id,
    ]);
  });

  it('lets any word of the question match, and ranks the matching memory first', async () => {
    const [persona, user] = await Promise.all([dbFactory.persona(prisma), dbFactory.user(prisma)]);
    await dbFactory.memory(prisma, persona.id, user.id, 'I live in Lisbon', { importance: 0.6 });
    const dog = await dbFactory.memory(prisma, persona.id, user.id, 'my dog is called Rex', {
      importance: 0.5,
    });
    const ranked = await rank({
      personaId: persona.id,
      userId: user.id,
      query: "what's my dog's name?",
      limit: 1,
    });
    expect(ranked.map((m) => m.id)).toEqual([dog.id]);
  });

  it('weighs recency (halving over the half-life) and importance as the caller says, and honours the limit', async () => {
    const [persona, user] = await Promise.all([dbFactory.persona(prisma), dbFactory.user(prisma)]);
    const now = Date.now();
    const month = await dbFactory.memory(prisma, persona.id, user.id, 'a month ago', {
      importance: 0.9,
      createdAt: new Date(now - 30 * DAY_MS),
    });
    const fresh = await dbFactory.memory(prisma, persona.id, user.id, 'just now', { importance: 0.1 });
    const scope = { personaId: persona.id, userId: user.id, query: 'nothing in common', limit: 10 };

    const byRecency = await rank({ ...scope, weights: ONLY_RECENCY });
    expect(byRecency.map((m) => m.id)).toEqual([fresh.id, month.id]);
    expect(byRecency[0].score).toBeCloseTo(1, 3);
    expect(byRecency[1].score).toBeCloseTo(0.5, 3);
    const weekly = await rank({ ...scope, weights: { ...ONLY_RECENCY, halfLifeDays: 7.5 } });
    expect(weekly[1].score).toBeCloseTo(1 / 16, 3);

    const byImportance = await rank({ ...scope, weights: ONLY_IMPORTANCE, limit: 1 });
    expect(byImportance.map((m) => m.id)).toEqual([month.id]);
    expect(byImportance[0].score).toBeCloseTo(0.9, 6);
  });
});

for (const target of pgvectorTargets()) {
  const describeOn = target.runs ? describe : describe.skip;
  describeOn(
    `hybridRankingSql, the pgvector path, on ${target.name}${target.runs ? '' : ' (skipped: no pgvector there)'}`,
    () => {
      let context: INestApplicationContext;
      let prisma: PrismaService;
      let embeddings: MemoryEmbeddingRepository;
      let stop: () => Promise<void>;
      const MODEL = 'lexical-v1-256';
      const query = 'am I allergic to peanuts?';
      const queryVector = lexicalEmbedding(query);

      beforeAll(async () => {
        const started = await target.start();
        stop = started.stop;
        // VectorSupportModule sets the extension and the table up at start, as in the apps.
        context = await createContext([VectorSupportModule], [], started.overrides);
        prisma = context.get(PrismaService);
        embeddings = context.get(MemoryEmbeddingRepository);
      }, 120_000);
      afterAll(async () => {
        await context?.close();
        await stop?.();
      });

      /** One consumer's memory with a vector of the given direction (by default the query's own: similarity 1). */
      async function memoryWithVector(
        content: string,
        vector: { model?: string; embeddedText?: string; direction?: number[] } = {},
      ): Promise<{ personaId: string; userId: string; memoryId: string }> {
        const [persona, user] = await Promise.all([dbFactory.persona(prisma), dbFactory.user(prisma)]);
        const memory = await dbFactory.memory(prisma, persona.id, user.id, content, { importance: 0.5 });
        await embeddings.save([
          {
            memoryId: memory.id,
            personaId: persona.id,
            userId: user.id,
            model: vector.model ?? MODEL,
            content: vector.embeddedText ?? content,
            vector: vector.direction ?? queryVector,
          },
        ]);
        return { personaId: persona.id, userId: user.id, memoryId: memory.id };
      }

      /** Hybrid score minus text score for the one memory in scope: what the vector term added. */
      async function similarityTerm(
        scope: { personaId: string; userId: string },
        weights?: RankWeights,
        model = MODEL,
      ): Promise<number> {
        const input = { ...scope, query, limit: 1, weights };
        const [hybrid] = await prisma.$queryRaw<RankedMemory[]>(
          hybridRankingSql(input, { model, literal: toVectorLiteral(queryVector) }),
        );
        const [text] = await prisma.$queryRaw<RankedMemory[]>(textRankingSql(input));
        return hybrid.score - text.score;
      }

      it('adds the similarity weight times the cosine similarity, by default 0.3, or the caller’s', async () => {
        const scope = await memoryWithVector('I am allergic to peanuts');
        expect(await similarityTerm(scope)).toBeCloseTo(DEFAULT_RANK_WEIGHTS.similarity ?? 0, 4);
        const weights = { relevance: 2, recency: 0, importance: 0.5, halfLifeDays: 7 };
        expect(await similarityTerm(scope, weights)).toBeCloseTo(DEFAULT_RANK_WEIGHTS.similarity ?? 0, 4);
        expect(await similarityTerm(scope, { ...weights, similarity: 0.9 })).toBeCloseTo(0.9, 4);
      });

      it('never lowers a score for a vector pointing away from the question (similarity clamped at 0)', async () => {
        const scope = await memoryWithVector('I prefer tea', { direction: queryVector.map((x) => -x) });
        expect(await similarityTerm(scope)).toBeCloseTo(0, 4);
      });

      it('compares only vectors of the query’s model, made from the memory’s current content', async () => {
        const otherModel = await memoryWithVector('I am allergic to peanuts', { model: 'another-model-256' });
        expect(await similarityTerm(otherModel)).toBeCloseTo(0, 4);
        expect(await similarityTerm(otherModel, undefined, 'another-model-256')).toBeCloseTo(0.3, 4);
        const stale = await memoryWithVector('I am allergic to peanuts', { embeddedText: 'I love peanuts' });
        expect(await similarityTerm(stale)).toBeCloseTo(0, 4);
      });

      it('ranks the same memories of the same scope as the full-text path', async () => {
        const [persona, alice, bob] = await Promise.all([
          dbFactory.persona(prisma),
          dbFactory.user(prisma),
          dbFactory.user(prisma),
        ]);
        const old = await dbFactory.memory(prisma, persona.id, alice.id, 'I am allergic to peanuts');
        const mine = await dbFactory.memory(prisma, persona.id, alice.id, 'I am allergic to cashews');
        await prisma.memory.update({ where: { id: old.id }, data: { supersededById: mine.id } });
        const bobs = await dbFactory.memory(prisma, persona.id, bob.id, 'I am allergic to peanuts');
        const canonical = await dbFactory.memory(prisma, persona.id, null, 'peanuts are legumes');
        await embeddings.save(
          [old, mine, bobs, canonical].map((m) => ({
            memoryId: m.id,
            personaId: persona.id,
            userId: m.userId,
            model: MODEL,
            content: m.content,
            vector: queryVector,
          })),
        );
        const vector = { model: MODEL, literal: toVectorLiteral(queryVector) };
        for (const userId of [alice.id, null]) {
          const input = { personaId: persona.id, userId, query, limit: 10 };
          const hybrid = await prisma.$queryRaw<RankedMemory[]>(hybridRankingSql(input, vector));
          const text = await prisma.$queryRaw<RankedMemory[]>(textRankingSql(input));
          expect(hybrid.map((m) => m.id)).toEqual(text.map((m) => m.id));
          expect(hybrid.map((m) => m.id)).toEqual([userId === null ? canonical.id : mine.id]);
        }
      });
    },
  );
}
