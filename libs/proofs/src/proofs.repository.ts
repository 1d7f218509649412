import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@app/database';
import type { InferenceRecord, InferenceStatus, SettlementBatch } from '@app/database';
import { BATCH_LOCK_KEY } from './batch-lock';

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

/** A hub manifest version anchored beside the receipts (docs/hub.md): its EIP-712 digest is a leaf like theirs. */
export interface ManifestLeaf {
  id: string;
  digest: string;
}

// Manifest digests one batch takes at most: publications are rate limited, so this is a backlog's bound, not a flow's.
const MANIFESTS_PER_BATCH = 256;

@Injectable()
export class ProofsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Closes the batch to new receipts (if it is still open) and returns it with its leaves in leaf order. */
  async sealBatch(
    batchId: string,
  ): Promise<{ batch: SettlementBatch; leaves: BatchLeaf[]; manifests: ManifestLeaf[] } | null> {
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
      // Manifests not yet anchored ride along, taken once under the batch lock and only while the root is not
      // recorded (a rerun after a crash builds the same tree) and the batch has receipts (an empty one never anchors).
      if (leaves.length > 0 && batch.root === null)
        await tx.$executeRaw`
          UPDATE "HubModelVersion" SET "batchId" = ${batchId}::uuid
          WHERE id IN (SELECT id FROM "HubModelVersion" WHERE "batchId" IS NULL
                       ORDER BY "createdAt", id LIMIT ${MANIFESTS_PER_BATCH})`;
      const manifests = (
        await tx.hubModelVersion.findMany({ where: { batchId }, select: { id: true, manifestDigest: true } })
      ).map((row) => ({ id: row.id, digest: row.manifestDigest }));
      return { batch, leaves, manifests };
    });
  }

  /** The root is stored before the transaction is sent, so a retry after a crash looks for that root on chain. */
  async setRoot(batchId: string, root: string, chainId: number, contract: string): Promise<void> {
    await this.prisma.settlementBatch.update({ where: { id: batchId }, data: { root, chainId, contract } });
  }

  /** The batch, every receipt's status and every receipt's inclusion proof, together. */
  async markAnchored(
    batchId: string,
    anchor: { txHash: string; blockNumber: number; root: string; count: number },
    leaves: AnchoredLeaf[],
    manifests: (ManifestLeaf & { leafIndex: number; proof: string[] })[] = [],
  ): Promise<void> {
    const verifiedAt = new Date();
    await this.prisma.$transaction([
      ...manifests.map((manifest) =>
        this.prisma.hubModelVersion.update({
          where: { id: manifest.id },
          data: { merkleProof: { root: anchor.root, leafIndex: manifest.leafIndex, proof: manifest.proof } },
        }),
      ),
      this.prisma.settlementBatch.update({
        where: { id: batchId },
        data: {
          status: 'anchored',
          count: anchor.count,
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

  /** Batches the queue should be closing but may have lost (Redis restarted, a process died before enqueueing). */
  findStranded(olderThan: Date, limit: number): Promise<SettlementBatch[]> {
    return this.prisma.settlementBatch.findMany({
      where: { status: { in: ['open', 'sealed'] }, createdAt: { lt: olderThan } },
      orderBy: { number: 'asc' },
      take: limit,
    });
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
