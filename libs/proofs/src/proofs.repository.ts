import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@app/database';
import type { InferenceRecord, InferenceStatus, Node, SettlementBatch } from '@app/database';

// Serializes batch membership across workers: two receipts never take the same leaf index, and no receipt joins a
// batch that is being sealed. Held only for one short transaction.
const BATCH_LOCK_KEY = 72707370;

/** What the attestation job reads of one reply: the record's proof fields, its text, its node, its persona version. */
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

/** One row of findForAttestation's join, before it is shaped. */
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

export interface BatchSlot {
  batchId: string;
  leafIndex: number;
  /** This receipt opened the batch: schedule its age deadline. */
  opened: boolean;
  /** This receipt filled the batch: anchor it now. */
  full: boolean;
}

export interface BatchLeaf {
  id: string;
  messageId: string;
  conversationId: string;
  digest: string;
  leafIndex: number;
  status: InferenceStatus;
}

export interface AnchoredLeaf {
  inferenceId: string;
  leafIndex: number;
  proof: string[];
}

@Injectable()
export class ProofsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * One statement, run once per verified reply: Prisma's include read the record, its message, node, conversation and
   * persona version in five (issue 12: statements per message are most of Postgres's and Prisma's CPU).
   */
  async findForAttestation(id: string): Promise<InferenceForAttestation | null> {
    const rows = await this.prisma.$queryRaw<AttestationRow[]>`
      SELECT r."id"::text, r."status"::text, r."messageId"::text, r."conversationId"::text, r."input", r."receipt",
             r."digest", r."signature", r."signer", r."salt", r."prefixBytes",
             m."content", m."status"::text AS "messageStatus", v."hash" AS "personaVersionHash",
             n."id"::text AS "nodeId", n."address" AS "nodeAddress", n."attestationKind" AS "nodeAttestationKind",
             n."measurement" AS "nodeMeasurement", n."attestation" AS "nodeAttestation"
      FROM "InferenceRecord" r
      JOIN "Message" m ON m."id" = r."messageId"
      JOIN "Conversation" c ON c."id" = r."conversationId"
      JOIN "PersonaVersion" v ON v."id" = c."personaVersionId"
      LEFT JOIN "Node" n ON n."id" = r."nodeId"
      WHERE r."id" = ${id}::uuid`;
    const row = rows[0];
    if (!row) return null;
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

  /** One transaction, so a worker killed at any point did all or none; null if the receipt was already attested. */
  async attestAndBatch(
    inferenceId: string,
    checks: { signature: Prisma.InputJsonValue; attestation: Prisma.InputJsonValue },
    maxBatchSize: number,
  ): Promise<BatchSlot | null> {
    return this.prisma.$transaction(async (tx) => {
      // First what needs no lock: claim the receipt (only one attestation wins) and record the checks.
      const claimed = await tx.inferenceRecord.updateMany({
        where: { id: inferenceId, status: 'pending' },
        data: { status: 'attested' },
      });
      if (claimed.count === 0) return null;
      const verifiedAt = new Date();
      await tx.proof.createMany({
        data: [
          { inferenceId, kind: 'signature', status: 'verified', data: checks.signature, verifiedAt },
          { inferenceId, kind: 'attestation', status: 'verified', data: checks.attestation, verifiedAt },
        ],
        skipDuplicates: true,
      });
      // Then the leaf, under the lock, held from here to commit: every worker waits on this part only.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BATCH_LOCK_KEY})`;
      let batch = await tx.settlementBatch.findFirst({
        where: { status: 'open' },
        orderBy: { number: 'asc' },
      });
      const opened = !batch;
      batch ??= await tx.settlementBatch.create({ data: {} });
      const leafIndex = batch.count;
      const full = leafIndex + 1 >= maxBatchSize;
      await tx.settlementBatch.update({
        where: { id: batch.id },
        data: { count: leafIndex + 1, ...(full ? { status: 'sealed', sealedAt: new Date() } : {}) },
      });
      await tx.inferenceRecord.update({ where: { id: inferenceId }, data: { batchId: batch.id, leafIndex } });
      return { batchId: batch.id, leafIndex, opened, full };
    });
  }

  async markFailed(inferenceId: string, kind: 'signature' | 'attestation', error: string): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.inferenceRecord.update({ where: { id: inferenceId }, data: { status: 'failed', error } }),
      this.prisma.proof.upsert({
        where: { inferenceId_kind: { inferenceId, kind } },
        create: { inferenceId, kind, status: 'failed', error },
        update: { status: 'failed', error },
      }),
    ]);
  }

  /** Closes the batch to new receipts (if it is still open) and returns it with its leaves in leaf order. */
  async sealBatch(batchId: string): Promise<{ batch: SettlementBatch; leaves: BatchLeaf[] } | null> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BATCH_LOCK_KEY})`;
      const found = await tx.settlementBatch.findUnique({ where: { id: batchId } });
      if (!found) return null;
      const batch =
        found.status === 'open'
          ? await tx.settlementBatch.update({
              where: { id: batchId },
              data: { status: 'sealed', sealedAt: new Date() },
            })
          : found;
      const rows = await tx.inferenceRecord.findMany({
        where: { batchId },
        orderBy: { leafIndex: 'asc' },
        select: {
          id: true,
          messageId: true,
          conversationId: true,
          digest: true,
          leafIndex: true,
          status: true,
        },
      });
      const leaves = rows.map((row) => ({ ...row, digest: row.digest ?? '', leafIndex: row.leafIndex ?? 0 }));
      return { batch, leaves };
    });
  }

  /** The root is stored before the transaction is sent, so a retry after a crash looks for that root on chain. */
  async setRoot(batchId: string, root: string, chainId: number, contract: string): Promise<void> {
    await this.prisma.settlementBatch.update({ where: { id: batchId }, data: { root, chainId, contract } });
  }

  /** The batch, every receipt's status and every receipt's inclusion proof, together. */
  async markAnchored(
    batchId: string,
    anchor: { txHash: string; blockNumber: number; root: string },
    leaves: AnchoredLeaf[],
  ): Promise<void> {
    const verifiedAt = new Date();
    await this.prisma.$transaction([
      this.prisma.settlementBatch.update({
        where: { id: batchId },
        data: {
          status: 'anchored',
          txHash: anchor.txHash,
          blockNumber: anchor.blockNumber,
          anchoredAt: verifiedAt,
        },
      }),
      this.prisma.inferenceRecord.updateMany({
        where: { batchId, status: 'attested' },
        data: { status: 'anchored' },
      }),
      this.prisma.proof.createMany({
        data: leaves.map((leaf) => ({
          inferenceId: leaf.inferenceId,
          kind: 'merkle' as const,
          status: 'verified' as const,
          data: { root: anchor.root, leafIndex: leaf.leafIndex, proof: leaf.proof },
          verifiedAt,
        })),
        skipDuplicates: true,
      }),
    ]);
  }

  /** Work the queue should hold but may have lost (Redis restarted, a process died between commit and enqueue). */
  async findStranded(
    olderThan: Date,
    limit: number,
  ): Promise<{ pending: string[]; batches: SettlementBatch[] }> {
    const [pending, batches] = await Promise.all([
      this.prisma.inferenceRecord.findMany({
        where: { status: 'pending', createdAt: { lt: olderThan } },
        select: { id: true },
        orderBy: { createdAt: 'asc' },
        take: limit,
      }),
      this.prisma.settlementBatch.findMany({
        where: { status: { in: ['open', 'sealed'] }, createdAt: { lt: olderThan } },
        orderBy: { number: 'asc' },
        take: limit,
      }),
    ]);
    return { pending: pending.map((row) => row.id), batches };
  }

  async findForZk(id: string): Promise<{
    messageId: string;
    conversationId: string;
    verification: InferenceRecord['verification'];
    totalMs: number | null;
    content: string;
    hasZkProof: boolean;
  } | null> {
    const record = await this.prisma.inferenceRecord.findUnique({
      where: { id },
      include: {
        message: { select: { content: true } },
        proofs: { where: { kind: 'zk' }, select: { id: true } },
      },
    });
    if (!record) return null;
    return {
      messageId: record.messageId,
      conversationId: record.conversationId,
      verification: record.verification,
      totalMs: record.totalMs,
      content: record.message.content,
      hasZkProof: record.proofs.length > 0,
    };
  }

  /**
   * Holds the inference's row (FOR SHARE) while `use` runs, so a status change waits and what `use` announces is never
   * overtaken by a later status announced first. Null if the inference does not exist.
   */
  async withCurrentStatus<T>(
    inferenceId: string,
    use: (status: InferenceRecord['status']) => T,
  ): Promise<T | null> {
    return this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ status: InferenceRecord['status'] }[]>`
        SELECT status FROM "InferenceRecord" WHERE id = ${inferenceId}::uuid FOR SHARE`;
      return rows.length === 0 ? null : use(rows[0].status);
    });
  }

  async saveZkProof(
    inferenceId: string,
    status: 'verified' | 'failed',
    data: Prisma.InputJsonValue | null,
    provingMs: number,
    error?: string,
  ): Promise<void> {
    await this.prisma.proof.createMany({
      data: [
        {
          inferenceId,
          kind: 'zk',
          status,
          data: data ?? Prisma.JsonNull,
          provingMs,
          error,
          verifiedAt: status === 'verified' ? new Date() : null,
        },
      ],
      skipDuplicates: true,
    });
  }

  async findUnproved(olderThan: Date, limit: number): Promise<string[]> {
    const rows = await this.prisma.inferenceRecord.findMany({
      where: {
        verification: 'zk',
        status: { not: 'failed' },
        createdAt: { lt: olderThan },
        proofs: { none: { kind: 'zk' } },
      },
      select: { id: true },
      orderBy: { createdAt: 'asc' },
      take: limit,
    });
    return rows.map((row) => row.id);
  }
}
