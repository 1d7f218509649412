import { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@app/database';
import { createContext, dbFactory } from '@app/testing';
import { PendingReceiptsRepository, type Verdict } from './pending-receipts.repository';

const PASS: Verdict = { ok: true, checks: { signature: { signer: 'x' }, attestation: { kind: 'dev' } } };

describe('attestation rounds (PostgreSQL)', () => {
  let context: INestApplicationContext;
  let prisma: PrismaService;
  let pending: PendingReceiptsRepository;

  beforeAll(async () => {
    context = await createContext([], [PendingReceiptsRepository]);
    prisma = context.get(PrismaService);
    pending = context.get(PendingReceiptsRepository);
  });
  // Batches here hold receipts without digests, which no worker could anchor: other files' workers, sharing this
  // database, must not find them open and add their replies to them. Everything this file made goes.
  const made: string[] = [];
  afterAll(async () => {
    const batches = await prisma.inferenceRecord.findMany({
      where: { id: { in: made }, batchId: { not: null } },
      select: { batchId: true },
    });
    await prisma.inferenceRecord.deleteMany({ where: { id: { in: made } } });
    // Only batches left empty: one another file opened keeps its own receipts.
    await prisma.settlementBatch.deleteMany({
      where: { id: { in: batches.map((b) => b.batchId!) }, inferences: { none: {} } },
    });
    await context.close();
  });

  /** n pending replies in one conversation, oldest first. */
  async function pendingReplies(n: number): Promise<string[]> {
    const persona = await dbFactory.persona(prisma);
    const consumer = await dbFactory.user(prisma);
    const conversation = await prisma.conversation.create({
      data: { personaId: persona.id, personaVersionId: persona.versionId, userId: consumer.id },
    });
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const message = await prisma.message.create({
        data: { conversationId: conversation.id, role: 'assistant', content: `Reply ${i}` },
      });
      const record = await prisma.inferenceRecord.create({
        data: {
          messageId: message.id,
          conversationId: conversation.id,
          modelId: 'embedded',
          verification: 'attested',
          status: 'pending',
          input: [],
          inputHash: '0x',
          outputHash: '0x',
          personaVersionHash: '0x',
          startedAt: new Date(),
          finishedAt: new Date(),
          createdAt: new Date(Date.now() + i),
        },
      });
      ids.push(record.id);
      made.push(record.id);
    }
    return ids;
  }

  /** Every batch holds leaves 0..count-1 exactly once: no receipt shares a leaf, none is skipped. */
  async function expectWellFormedBatches(batchIds: string[]): Promise<void> {
    for (const batchId of new Set(batchIds)) {
      const batch = await prisma.settlementBatch.findUniqueOrThrow({ where: { id: batchId } });
      const leaves = await prisma.inferenceRecord.findMany({
        where: { batchId },
        select: { leafIndex: true },
      });
      const indexes = leaves.map((leaf) => leaf.leafIndex).sort((a, b) => a! - b!);
      expect(indexes).toEqual(Array.from({ length: batch.count }, (_, i) => i));
    }
  }

  it('judges a round in one transaction: verdicts, proofs and leaves, splitting batches at their size', async () => {
    const ids = await pendingReplies(7);
    const round = await pending.attestRound({ limit: 50, maxBatchSize: 3, ids }, async (records) =>
      records.map((record): Verdict =>
        record.id === ids[2] ? { ok: false, kind: 'signature', reason: 'tampered' } : PASS,
      ),
    );

    expect(round.claimed).toBe(7);
    expect(round.failed.map((f) => f.record.id)).toEqual([ids[2]]);
    expect(round.attested.map((slot) => slot.record.id)).toEqual(ids.filter((_, i) => i !== 2));
    const records = await prisma.inferenceRecord.findMany({
      where: { id: { in: ids } },
      include: { proofs: true },
    });
    for (const record of records) {
      if (record.id === ids[2]) {
        expect(record).toMatchObject({ status: 'failed', error: 'tampered', batchId: null });
        expect(record.proofs).toEqual([expect.objectContaining({ kind: 'signature', status: 'failed' })]);
      } else {
        expect(record.status).toBe('attested');
        expect(record.batchId).toBe(round.attested.find((slot) => slot.record.id === record.id)?.batchId);
        expect(record.proofs.map((proof) => `${proof.kind}:${proof.status}`).sort()).toEqual([
          'attestation:verified',
          'signature:verified',
        ]);
      }
    }
    // Six leaves in batches of three: at least one batch filled, sealed and reported for anchoring now.
    expect(round.full.length).toBeGreaterThanOrEqual(1);
    for (const batchId of round.full)
      expect(await prisma.settlementBatch.findUniqueOrThrow({ where: { id: batchId } })).toMatchObject({
        status: 'sealed',
        count: 3,
      });
    await expectWellFormedBatches(round.attested.map((slot) => slot.batchId));
  });

  it('takes the oldest receipts first and no more than the limit', async () => {
    const ids = await pendingReplies(5);
    const round = await pending.attestRound({ limit: 2, maxBatchSize: 256, ids }, async (records) =>
      records.map(() => PASS),
    );
    expect(round.attested.map((slot) => slot.record.id)).toEqual(ids.slice(0, 2));
    expect(await prisma.inferenceRecord.count({ where: { id: { in: ids }, status: 'pending' } })).toBe(3);
  });

  it('puts a receipt that could not be judged behind the others, pending, without holding up its round', async () => {
    const ids = await pendingReplies(3);
    const first = await pending.attestRound({ limit: 2, maxBatchSize: 256, ids }, async (records) =>
      records.map((record): Verdict =>
        record.id === ids[0] ? { ok: 'later', reason: 'verifier down' } : PASS,
      ),
    );
    expect(first.deferred.map((d) => d.record.id)).toEqual([ids[0]]);
    expect(first.attested.map((slot) => slot.record.id)).toEqual([ids[1]]);
    const second = await pending.attestRound({ limit: 1, maxBatchSize: 256, ids }, async (records) =>
      records.map(() => PASS),
    );
    expect(second.attested.map((slot) => slot.record.id)).toEqual([ids[2]]);
    expect((await prisma.inferenceRecord.findUniqueOrThrow({ where: { id: ids[0] } })).status).toBe(
      'pending',
    );
  });

  it('leaves the whole round pending when judging it fails', async () => {
    const ids = await pendingReplies(3);
    await expect(
      pending.attestRound({ limit: 10, maxBatchSize: 256, ids }, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    expect(await prisma.inferenceRecord.count({ where: { id: { in: ids }, status: 'pending' } })).toBe(3);
    expect(await prisma.proof.count({ where: { inferenceId: { in: ids } } })).toBe(0);
  });

  it('gives two workers disjoint rounds: the second skips what the first holds instead of waiting for it', async () => {
    const ids = await pendingReplies(4);
    let claimedByFirst!: () => void;
    const firstHolds = new Promise<void>((resolve) => (claimedByFirst = resolve));
    let releaseFirst!: () => void;
    const secondDone = new Promise<void>((resolve) => (releaseFirst = resolve));
    const first = pending.attestRound({ limit: 10, maxBatchSize: 256, ids }, async (records) => {
      claimedByFirst();
      await secondDone;
      return records.map(() => PASS);
    });
    await firstHolds;
    const second = await pending.attestRound({ limit: 10, maxBatchSize: 256, ids }, async (records) =>
      records.map(() => PASS),
    );
    releaseFirst();
    expect(second.claimed).toBe(0);
    expect((await first).attested).toHaveLength(4);
    await expectWellFormedBatches((await first).attested.map((slot) => slot.batchId));
  });
});
