import { Injectable } from '@nestjs/common';
import { PrismaService } from '@app/database';

export interface RelayTrafficTotals {
  relayId: string;
  nodeId: string;
  requests: number;
  relayOperatorId: string;
  relayOperator: string;
}

/** Private requests per relay and gateway node per hour (docs/privacy.md): GET /v1/network's relay figures. */
@Injectable()
export class RelayTrafficRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * One private request that came through `relayId` to the gateway of `nodeId`. Ids nobody registered (or a removed
   * relay) are not counted: the figures describe the registry's relays only.
   */
  async record(relayId: string, nodeId: string, at: Date): Promise<boolean> {
    const hour = new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000);
    const counted = await this.prisma.$executeRaw`
      INSERT INTO "RelayTrafficHour" ("relayId", "nodeId", hour, requests)
      SELECT r.id, n.id, ${hour}, 1 FROM "Relay" r, "Node" n
      WHERE r.id = ${relayId}::uuid AND r."deletedAt" IS NULL AND n.id = ${nodeId}::uuid
      ON CONFLICT ("relayId", "nodeId", hour) DO UPDATE SET requests = "RelayTrafficHour".requests + 1`;
    return counted > 0;
  }

  /** For each `since`, the requests per (relay, node) from that hour on; one statement, so the windows agree. */
  async totalsSinceEach(sinces: readonly Date[]): Promise<RelayTrafficTotals[][]> {
    if (sinces.length === 0) return [];
    const earliest = new Date(Math.min(...sinces.map((since) => since.getTime())));
    const rows = await this.prisma.$queryRaw<
      { relayId: string; nodeId: string; hour: Date; requests: number; operatorId: string; handle: string }[]
    >`
      SELECT t."relayId"::text AS "relayId", t."nodeId"::text AS "nodeId", t.hour, t.requests,
             r."operatorId"::text AS "operatorId", u.handle
      FROM "RelayTrafficHour" t
      JOIN "Relay" r ON r.id = t."relayId"
      JOIN "User" u ON u.id = r."operatorId"
      WHERE t.hour >= ${earliest}`;
    return sinces.map((since) => {
      const sums = new Map<string, RelayTrafficTotals>();
      for (const row of rows) {
        if (row.hour.getTime() < since.getTime()) continue;
        const key = `${row.relayId}:${row.nodeId}`;
        const sum = sums.get(key) ?? {
          relayId: row.relayId,
          nodeId: row.nodeId,
          requests: 0,
          relayOperatorId: row.operatorId,
          relayOperator: row.handle,
        };
        sum.requests += Number(row.requests);
        sums.set(key, sum);
      }
      return [...sums.values()];
    });
  }
}
