import { Injectable } from '@nestjs/common';
import { PrismaService } from '@app/database';
import type { InferenceStatus, SpotCheckStatus } from '@app/database';
import type { SpotCheck } from '@app/database/generated/prisma/client';
import type { CheckerCandidate } from './checker-selection';

/** An attested reply with what a re-run needs: its input, its commitment and who served it. */
export interface SpotCheckRecord {
  id: string;
  messageId: string;
  conversationId: string;
  modelId: string;
  status: InferenceStatus;
  input: unknown;
  outputHash: string;
  salt: string | null;
  receipt: unknown;
  personaVersionHash: string;
  prefixBytes: number | null;
  /** Taken over: the node that streamed the first prefixBytes, which the check then judges. */
  prefixNodeId: string | null;
  /** Stop, sampling and response format as sent to the node; null for records from before it was stored. */
  generation: unknown;
  completionTokens: number;
  nodeId: string | null;
  node: { id: string; operatorId: string | null; teeKind: string } | null;
  spotCheck: SpotCheck | null;
}

export interface SpotCheckResult {
  status: Exclude<SpotCheckStatus, 'pending'>;
  checkerNodeId: string | null;
  outputHash?: string;
  reason?: string;
  /** The node the check caught: the reply's node on a dispute, or a checker a referee contradicted. */
  suspectNodeId?: string | null;
}

@Injectable()
export class SpotCheckRepository {
  constructor(private readonly prisma: PrismaService) {}

  findRecord(inferenceId: string): Promise<SpotCheckRecord | null> {
    return this.prisma.inferenceRecord.findUnique({
      where: { id: inferenceId },
      select: {
        id: true,
        messageId: true,
        conversationId: true,
        modelId: true,
        status: true,
        input: true,
        outputHash: true,
        salt: true,
        receipt: true,
        personaVersionHash: true,
        prefixBytes: true,
        prefixNodeId: true,
        generation: true,
        completionTokens: true,
        nodeId: true,
        node: { select: { id: true, operatorId: true, teeKind: true } },
        spotCheck: true,
      },
    });
  }

  /** A pending row, so the reply's view says a check is under way; a second call changes nothing. */
  async open(inferenceId: string): Promise<void> {
    await this.prisma.spotCheck.createMany({ data: [{ inferenceId }], skipDuplicates: true });
  }

  /** The operator of a registered node (the prefix node of a takeover); undefined when the node is gone. */
  async operatorOf(nodeId: string): Promise<{ operatorId: string | null } | undefined> {
    return (
      (await this.prisma.node.findUnique({ where: { id: nodeId }, select: { operatorId: true } })) ??
      undefined
    );
  }

  /** Active node processes serving the model; health and operator are judged by chooseChecker. */
  /** With each node's stored evidence: a checker must be attested like any node the router uses. */
  listCandidates(modelId: string): Promise<(CheckerCandidate & { attestation: unknown })[]> {
    return this.prisma.node.findMany({
      where: { status: 'active', operatorId: { not: null }, modelIds: { has: modelId } },
      select: {
        id: true,
        address: true,
        url: true,
        operatorId: true,
        teeKind: true,
        modelIds: true,
        status: true,
        lastHeartbeatAt: true,
        probedAt: true,
        attestation: true,
      },
    });
  }

  /**
   * Settles a pending check once (false when another run settled it first). In the same transaction a dispute marks
   * the reply disputed (even once anchored: the anchor proves what was said, the dispute that it is doubted), and the
   * node caught becomes suspect (a revoked node stays revoked).
   */
  settle(inferenceId: string, result: SpotCheckResult): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.spotCheck.updateMany({
        where: { inferenceId, status: 'pending' },
        data: {
          status: result.status,
          checkerNodeId: result.checkerNodeId,
          outputHash: result.outputHash ?? null,
          reason: result.reason ?? null,
          checkedAt: new Date(),
        },
      });
      if (count === 0) return false;
      if (result.status === 'disputed')
        await tx.inferenceRecord.updateMany({
          where: { id: inferenceId, status: { in: ['attested', 'anchored'] } },
          data: { status: 'disputed' },
        });
      if (result.suspectNodeId)
        await tx.node.updateMany({
          where: { id: result.suspectNodeId, status: { not: 'revoked' } },
          data: { status: 'suspect' },
        });
      return true;
    });
  }
}
