import { Injectable } from '@nestjs/common';
import { PrismaService } from '@app/database';

export interface NodeTraffic {
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

/** The measured side of a node's economics: a few aggregates over indexed ranges, never a scan of records. */
@Injectable()
export class NodeEconomicsRepository {
  constructor(private readonly prisma: PrismaService) {}

  findNode(id: string): Promise<{ id: string; modelIds: string[]; createdAt: Date } | null> {
    return this.prisma.node.findUnique({
      where: { id },
      select: { id: true, modelIds: true, createdAt: true },
    });
  }

  /** The node's hourly counters for the hours starting in [from, to). */
  async traffic(nodeId: string, from: Date, to: Date): Promise<NodeTraffic> {
    const { _sum } = await this.prisma.nodeTrafficHour.aggregate({
      where: { nodeId, hour: { gte: from, lt: to } },
      _sum: { requests: true, promptTokens: true, completionTokens: true },
    });
    return {
      requests: _sum.requests ?? 0,
      promptTokens: _sum.promptTokens ?? 0,
      completionTokens: _sum.completionTokens ?? 0,
    };
  }

  /**
   * Tokens served in [from, to) by every node that lists one of `modelIds` (revoked ones too: they took the traffic),
   * or by every node when the list is empty (the in-process node lists none: it serves whatever the api runs).
   */
  async modelTokens(modelIds: string[], from: Date, to: Date): Promise<number> {
    const rows = await this.prisma.$queryRaw<{ tokens: bigint | null }[]>`
      SELECT sum(t."promptTokens" + t."completionTokens")::bigint AS tokens
      FROM "NodeTrafficHour" t JOIN "Node" n ON n."id" = t."nodeId"
      WHERE t."hour" >= ${from} AND t."hour" < ${to}
        AND (cardinality(${modelIds}::text[]) = 0 OR n."modelIds" && ${modelIds}::text[])`;
    return Number(rows[0]?.tokens ?? 0);
  }

  /**
   * Heartbeat intervals in [from, to) in which the node was heard at least once (the (nodeId, at) index): a node that
   * heartbeats ten times faster for a tenth of the time is not up all the time.
   */
  async heartbeats(nodeId: string, from: Date, to: Date, intervalMs: number): Promise<number> {
    const rows = await this.prisma.$queryRaw<{ intervals: number }[]>`
      SELECT count(DISTINCT floor(extract(epoch FROM at) * 1000 / ${intervalMs}))::int AS intervals
      FROM "NodeHeartbeat"
      WHERE "nodeId" = ${nodeId}::uuid AND at >= ${from} AND at < ${to}`;
    return rows[0]?.intervals ?? 0;
  }
}
