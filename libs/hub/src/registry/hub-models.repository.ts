import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@app/database';
import { HEALTHY_WITHIN_HEARTBEATS } from '@app/network/router/node-health';

/** A model row as search and the read routes need it, with its publisher's handle. */
export type HubModelRow = Prisma.HubModelGetPayload<{ include: { publisher: { select: { handle: true } } } }>;

const WITH_BATCH = {
  batch: { select: { status: true, chainId: true, contract: true, txHash: true, blockNumber: true } },
} as const;
export type HubVersionRow = Prisma.HubModelVersionGetPayload<{ include: typeof WITH_BATCH }>;

/** A node that holds an artifact, with what isHealthy (libs/network) judges. */
export type PinningNode = Prisma.NodeGetPayload<{
  select: {
    id: true;
    url: true;
    operatorId: true;
    status: true;
    lastHeartbeatAt: true;
    probedAt: true;
  };
}>;

export interface PinCount {
  sha256: string;
  nodes: number;
  operators: number;
}

const WITH_PUBLISHER = { publisher: { select: { handle: true } } } as const;

/** The hub's reads (docs/hub.md): the only place the registry touches Prisma. */
@Injectable()
export class HubModelsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Models changed at or after `since` (all when null), oldest change first, hidden ones included. */
  changedSince(since: Date | null, take?: number): Promise<HubModelRow[]> {
    return this.prisma.hubModel.findMany({
      where: since ? { updatedAt: { gte: since } } : {},
      orderBy: [{ updatedAt: 'asc' }, { id: 'asc' }],
      include: WITH_PUBLISHER,
      take,
    });
  }

  findBySlug(slug: string): Promise<HubModelRow | null> {
    return this.prisma.hubModel.findUnique({ where: { slug }, include: WITH_PUBLISHER });
  }

  findManyBySlugs(slugs: string[]): Promise<HubModelRow[]> {
    return this.prisma.hubModel.findMany({ where: { slug: { in: slugs } }, include: WITH_PUBLISHER });
  }

  /** Models whose derivedFrom names `slug`, newest first. */
  derivedFrom(slug: string, take: number): Promise<HubModelRow[]> {
    return this.prisma.hubModel.findMany({
      where: { derivedFrom: slug },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      include: WITH_PUBLISHER,
      take,
    });
  }

  versions(modelId: string): Promise<HubVersionRow[]> {
    return this.prisma.hubModelVersion.findMany({
      where: { modelId },
      orderBy: { version: 'desc' },
      include: WITH_BATCH,
    });
  }

  latestVersion(modelId: string): Promise<HubVersionRow | null> {
    return this.prisma.hubModelVersion.findFirst({
      where: { modelId },
      orderBy: { version: 'desc' },
      include: WITH_BATCH,
    });
  }

  /**
   * Distinct healthy nodes and operators per pinned artifact. The health test is isHealthy's (libs/network
   * router/node-health.ts) in SQL, so counting stays one aggregate however many pins there are; the in-process node
   * (no operator) counts as the hub's own operator.
   */
  async pinCounts(heartbeatMs: number, now = new Date()): Promise<PinCount[]> {
    const since = new Date(now.getTime() - HEALTHY_WITHIN_HEARTBEATS * heartbeatMs);
    const rows = await this.prisma.$queryRaw<{ sha256: string; nodes: bigint; operators: bigint }[]>`
      SELECT p.sha256,
             COUNT(DISTINCT n.id) AS nodes,
             COUNT(DISTINCT COALESCE(n."operatorId"::text, 'hub')) AS operators
      FROM "HubPin" p JOIN "Node" n ON n.id = p."nodeId"
      WHERE n.status = 'active' AND n."lastHeartbeatAt" > ${since}
        AND (n."operatorId" IS NULL OR n."probedAt" > ${since})
      GROUP BY p.sha256`;
    return rows.map((row) => ({
      sha256: row.sha256,
      nodes: Number(row.nodes),
      operators: Number(row.operators),
    }));
  }

  /** Every node holding the artifact, healthy or not: the caller judges with isHealthy. */
  pinningNodes(sha256: string, take: number): Promise<PinningNode[]> {
    return this.prisma.node.findMany({
      where: { hubPins: { some: { sha256 } } },
      select: { id: true, url: true, operatorId: true, status: true, lastHeartbeatAt: true, probedAt: true },
      orderBy: { id: 'asc' },
      take,
    });
  }
}
