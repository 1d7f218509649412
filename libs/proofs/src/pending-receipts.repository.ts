import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService, type Transaction } from '@app/database';
import type { InferenceStatus, Node } from '@app/database';
import { BATCH_LOCK_KEY } from './batch-lock';

/** What the attestation reads of one reply: the record's proof fields, its text, its node, its persona version. */
export interface InferenceForAttestation {
  id: string;
  status: InferenceStatus;
  messageId: string;
  conversationId: string;
  input: Prisma.JsonValue;
  receipt: Prisma.JsonValue | null;
  digest: string | null;
  signature: string | null;
  signer: string | null;
  salt: string | null;
  prefixBytes: number | null;
  message: { content: string; status: string };
  node: Pick<Node, 'id' | 'address' | 'attestationKind' | 'measurement' | 'attestation'> | null;
  conversation: { personaVersion: { hash: string } };
}

/**
 * The checks' verdict on one receipt: the evidence to store as its proofs, why it failed, or that it could not be
 * judged now (the check itself broke): it stays pending and goes to the back of the line, so it never blocks others.
 */
export type Verdict =
  | { ok: true; checks: { signature: Prisma.InputJsonValue; attestation: Prisma.InputJsonValue } }
  | { ok: false; kind: 'signature' | 'attestation'; reason: string }
  | { ok: 'later'; reason: string };

type Passed = Extract<Verdict, { ok: true }>;

export interface AttestedSlot {
  record: InferenceForAttestation;
  batchId: string;
  leafIndex: number;
}

export interface AttestRound {
  attested: AttestedSlot[];
  failed: { record: InferenceForAttestation; kind: 'signature' | 'attestation'; reason: string }[];
  /** Batches this round opened (schedule their age deadline) and filled (anchor them now). */
  opened: string[];
  full: string[];
  /** Receipts left pending for a later round, with why. */
  deferred: { record: InferenceForAttestation; reason: string }[];
  /** Receipts claimed this round, whatever their verdict: as many as the limit means more may be waiting. */
  claimed: number;
}

/** One row of the claim's join, before it is shaped. */
interface AttestationRow extends Omit<InferenceForAttestation, 'message' | 'node' | 'conversation'> {
  content: string;
  messageStatus: string;
  personaVersionHash: string;
  nodeId: string | null;
  nodeAddress: string | null;
  nodeAttestationKind: string | null;
  nodeMeasurement: string | null;
  nodeAttestation: Prisma.JsonValue | null;
}

// The checks are CPU work on rows this transaction holds; a round of a few hundred receipts takes well under this.
const ROUND_TIMEOUT_MS = 30_000;

/**
 * Receipts waiting for their check, taken a round at a time (issue 12: a job and five statements per reply were most
 * of the worker's CPU). A round is one transaction: it locks up to `limit` pending receipts (SKIP LOCKED, so workers
 * running side by side take disjoint rounds), lets the caller judge them, and writes every verdict, every proof and
 * every leaf together; a worker killed mid-round leaves all of them pending for the next round.
 */
@Injectable()
export class PendingReceiptsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** One cheap statement: a quiet platform's pump asks this instead of opening a transaction every poll. */
  async anyPending(): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<unknown[]>`
      SELECT 1 FROM "InferenceRecord" WHERE "status" = 'pending' LIMIT 1`;
    return rows.length > 0;
  }

  async attestRound(
    options: { limit: number; maxBatchSize: number; ids?: string[] },
    judge: (records: InferenceForAttestation[]) => Promise<Verdict[]>,
  ): Promise<AttestRound> {
    return this.prisma.$transaction(
      async (tx) => {
        const records = await this.claim(tx, options.limit, options.ids);
        const round: AttestRound = {
          attested: [],
          failed: [],
          deferred: [],
          opened: [],
          full: [],
          claimed: records.length,
        };
        if (records.length === 0) return round;
        const verdicts = await judge(records);
        const passed: { record: InferenceForAttestation; checks: Passed }[] = [];
        records.forEach((record, i) => {
          const verdict = verdicts[i];
          if (!verdict) throw new Error(`No verdict for receipt ${record.id}`);
          if (verdict.ok === true) passed.push({ record, checks: verdict });
          else if (verdict.ok === 'later') round.deferred.push({ record, reason: verdict.reason });
          else round.failed.push({ record, kind: verdict.kind, reason: verdict.reason });
        });
        await this.writeFailures(tx, round.failed);
        await this.deferToBack(tx, round.deferred);
        if (passed.length > 0) await this.writeAttested(tx, passed, options.maxBatchSize, round);
        return round;
      },
      { timeout: ROUND_TIMEOUT_MS },
    );
  }

  private async claim(tx: Transaction, limit: number, ids?: string[]): Promise<InferenceForAttestation[]> {
    const only = ids ? Prisma.sql`AND r."id" = ANY(${ids}::uuid[])` : Prisma.empty;
    // The pending rows are locked first, on their own, then joined by id: a join planned over the whole tables (as
    // PostgreSQL did without statistics) scanned every message and conversation once per round.
    const rows = await tx.$queryRaw<AttestationRow[]>`
      WITH claimed AS (
        SELECT r."id" FROM "InferenceRecord" r
        WHERE r."status" = 'pending' ${only}
        ORDER BY r."updatedAt", r."createdAt"
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      SELECT r."id"::text, r."status"::text, r."messageId"::text, r."conversationId"::text, r."input", r."receipt",
             r."digest", r."signature", r."signer", r."salt", r."prefixBytes",
             m."content", m."status"::text AS "messageStatus", v."hash" AS "personaVersionHash",
             n."id"::text AS "nodeId", n."address" AS "nodeAddress", n."attestationKind" AS "nodeAttestationKind",
             n."measurement" AS "nodeMeasurement", n."attestation" AS "nodeAttestation"
      FROM claimed
      JOIN "InferenceRecord" r ON r."id" = claimed."id"
      JOIN "Message" m ON m."id" = r."messageId"
      JOIN "Conversation" c ON c."id" = r."conversationId"
      JOIN "PersonaVersion" v ON v."id" = c."personaVersionId"
      LEFT JOIN "Node" n ON n."id" = r."nodeId"
      ORDER BY r."updatedAt", r."createdAt"`;
    return rows.map(shape);
  }

  private async writeFailures(tx: Transaction, failed: AttestRound['failed']): Promise<void> {
    // Rare (a tampered or misconfigured node), so one statement pair per failure is fine.
    for (const { record, kind, reason } of failed) {
      await tx.inferenceRecord.update({
        where: { id: record.id },
        data: { status: 'failed', error: reason },
      });
      await tx.proof.upsert({
        where: { inferenceId_kind: { inferenceId: record.id, kind } },
        create: { inferenceId: record.id, kind, status: 'failed', error: reason },
        update: { status: 'failed', error: reason },
      });
    }
  }

  // Rounds take the least recently touched first: a receipt that could not be judged waits behind the others.
  private async deferToBack(tx: Transaction, deferred: AttestRound['deferred']): Promise<void> {
    if (deferred.length === 0) return;
    const ids = deferred.map(({ record }) => record.id);
    await tx.$executeRaw`UPDATE "InferenceRecord" SET "updatedAt" = now() WHERE "id" = ANY(${ids}::uuid[])`;
  }

  private async writeAttested(
    tx: Transaction,
    passed: { record: InferenceForAttestation; checks: Passed }[],
    maxBatchSize: number,
    round: AttestRound,
  ): Promise<void> {
    const verifiedAt = new Date();
    await tx.proof.createMany({
      data: passed.flatMap(({ record, checks }) => [
        {
          inferenceId: record.id,
          kind: 'signature' as const,
          status: 'verified' as const,
          data: checks.checks.signature,
          verifiedAt,
        },
        {
          inferenceId: record.id,
          kind: 'attestation' as const,
          status: 'verified' as const,
          data: checks.checks.attestation,
          verifiedAt,
        },
      ]),
      skipDuplicates: true,
    });
    // The leaves, under the lock, held from here to commit: every worker waits on this part only.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BATCH_LOCK_KEY})`;
    let batch = await tx.settlementBatch.findFirst({ where: { status: 'open' }, orderBy: { number: 'asc' } });
    const counts = new Map<string, number>();
    for (const { record } of passed) {
      if (!batch) {
        batch = await tx.settlementBatch.create({ data: {} });
        round.opened.push(batch.id);
      }
      const leafIndex = counts.get(batch.id) ?? batch.count;
      round.attested.push({ record, batchId: batch.id, leafIndex });
      counts.set(batch.id, leafIndex + 1);
      if (leafIndex + 1 >= maxBatchSize) {
        round.full.push(batch.id);
        batch = null;
      }
    }
    for (const [batchId, count] of counts) {
      const full = round.full.includes(batchId);
      await tx.settlementBatch.update({
        where: { id: batchId },
        data: { count, ...(full ? { status: 'sealed', sealedAt: verifiedAt } : {}) },
      });
    }
    const ids = round.attested.map((slot) => slot.record.id);
    const batchIds = round.attested.map((slot) => slot.batchId);
    const leaves = round.attested.map((slot) => slot.leafIndex);
    await tx.$executeRaw`
      UPDATE "InferenceRecord" AS r
      SET "status" = 'attested', "batchId" = v."batchId", "leafIndex" = v."leafIndex", "updatedAt" = now()
      FROM unnest(${ids}::uuid[], ${batchIds}::uuid[], ${leaves}::int[]) AS v("id", "batchId", "leafIndex")
      WHERE r."id" = v."id"`;
  }
}

function shape(row: AttestationRow): InferenceForAttestation {
  const { content, messageStatus, personaVersionHash, nodeId, nodeAddress, ...record } = row;
  const { nodeAttestationKind, nodeMeasurement, nodeAttestation, ...fields } = record;
  return {
    ...fields,
    message: { content, status: messageStatus },
    conversation: { personaVersion: { hash: personaVersionHash } },
    node:
      nodeId && nodeAddress && nodeAttestationKind
        ? {
            id: nodeId,
            address: nodeAddress,
            attestationKind: nodeAttestationKind,
            measurement: nodeMeasurement,
            attestation: nodeAttestation ?? {},
          }
        : null,
  };
}
