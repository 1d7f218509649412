import type { KeysetPosition } from '@app/common';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { isRecordNotFound, isUniqueViolation, Prisma, PrismaService } from '@app/database';
import type { Node, NodeStatus } from '@app/database';
import { NodeAddressTakenError, NodeNotFoundError, NodeRevokedError } from './nodes.errors';
import { NodeSuspectError } from './spot-check/node-suspect.error';

// NodeHeartbeat rows are read for at most 7 days back (GET /v1/nodes/:id/economics); one day more is kept.
const HEARTBEAT_RETENTION_MS = 8 * 24 * 3_600_000;

export interface NodeRegistration {
  address: string;
  name: string;
  url: string;
  modelIds: string[];
  attestationKind: string;
  attestation: Prisma.InputJsonValue;
  measurement: string | null;
}

export interface OperatorNodeRegistration extends NodeRegistration {
  operatorId: string;
  region: string | null;
  provider: string | null;
  teeKind: string;
}

export interface DueProbeQuery {
  /** Due: last probed before this (one heartbeat interval ago). */
  probedBefore: Date;
  /** Still healthy: probed at or after this (the health window's start). */
  healthySince: Date;
  heartbeatSince: Date;
  skipIds: string[];
  /**
   * Nodes in a failure streak (due again or not): ranked after every other probation node, so old failing nodes of
   * many operators cannot keep a new registration, or a node that missed one probe, out of every round.
   */
  failingIds: string[];
  /** Rows per lane at most. */
  limit: number;
  /** Probation rows per operator at most. */
  perOperator: number;
}

export interface DueProbes {
  lapsing: Node[];
  probation: Node[];
}

export type NodeWithOperator = Node & { operator: { handle: string } | null };

@Injectable()
export class NodesRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * A node is known by its signing address; registering again refreshes its attestation and marks it active, except
   * a suspect key (docs/network.md, Spot checks): it stays suspect.
   */
  register(node: NodeRegistration): Promise<Node> {
    const now = new Date();
    return this.prisma.$transaction(async (tx) => {
      const saved = await tx.node.upsert({
        where: { address: node.address },
        create: { ...node, status: 'active', lastHeartbeatAt: now },
        update: { ...node, lastHeartbeatAt: now },
      });
      if (saved.status === 'active' || saved.status === 'suspect') return saved;
      return tx.node.update({ where: { id: saved.id }, data: { status: 'active' } });
    });
  }

  /**
   * Creates the node, or refreshes it when `existing` is this operator's and neither revoked nor suspect (checked in
   * the update). Every registration waits for a fresh liveness probe: its URL may be new (docs/network.md).
   */
  async saveOperatorNode(existing: Node | null, node: OperatorNodeRegistration): Promise<Node> {
    const data = { ...node, status: 'active' as const, lastHeartbeatAt: new Date(), probedAt: null };
    try {
      if (!existing) return await this.prisma.node.create({ data });
      return await this.prisma.node.update({
        where: { id: existing.id, operatorId: node.operatorId, status: { notIn: ['revoked', 'suspect'] } },
        data,
      });
    } catch (error) {
      // Lost a race: another registration took the address, or a revocation or a dispute landed first.
      if (isUniqueViolation(error)) throw new NodeAddressTakenError(node.address);
      if (isRecordNotFound(error)) {
        const now = await this.findByAddress(node.address);
        throw now?.status === 'suspect'
          ? new NodeSuspectError(node.address)
          : new NodeRevokedError(node.address);
      }
      throw error;
    }
  }

  /**
   * null when the node was revoked meanwhile: a heartbeat never brings a revoked node back. A suspect node's
   * heartbeat is recorded but does not clear it: it answers, it is just not trusted. Each heartbeat also leaves a
   * NodeHeartbeat row (uptime, GET /v1/nodes/:id/economics) and prunes the node's rows older than 8 days, all in one
   * statement: the heartbeat path stays one round trip before the read.
   */
  /**
   * null when nothing was recorded: the node is revoked, or `signedAt` (the time the node signed) is not newer than the
   * last accepted one, i.e. a replayed copy. The in-process node signs nothing and passes no `signedAt`.
   */
  async recordHeartbeat(
    id: string,
    status: NodeStatus,
    outstanding = 0,
    signedAt: Date | null = null,
  ): Promise<Node | null> {
    const now = new Date();
    const prunedBefore = new Date(now.getTime() - HEARTBEAT_RETENTION_MS);
    const updated = await this.prisma.$queryRaw<{ id: string }[]>`
      WITH updated AS (
        UPDATE "Node"
        SET status = CASE WHEN status = 'suspect' THEN status ELSE ${status}::"NodeStatus" END,
            "lastHeartbeatAt" = ${now}, "updatedAt" = ${now},
            "lastSignedHeartbeatAt" = COALESCE(${signedAt}::timestamp, "lastSignedHeartbeatAt")
        WHERE id = ${id}::uuid AND status <> 'revoked'
          AND (${signedAt}::timestamp IS NULL OR "lastSignedHeartbeatAt" IS NULL
               OR "lastSignedHeartbeatAt" < ${signedAt}::timestamp)
        RETURNING id
      ), beat AS (
        INSERT INTO "NodeHeartbeat" (id, "nodeId", at, outstanding)
        SELECT ${randomUUID()}::uuid, id, ${now}, ${outstanding} FROM updated
      ), pruned AS (
        DELETE FROM "NodeHeartbeat" WHERE "nodeId" IN (SELECT id FROM updated) AND at < ${prunedBefore}
      )
      SELECT id FROM updated`;
    return updated.length === 0 ? null : this.findById(id);
  }

  /** The node's hub pins become exactly `sha256s`, in one transaction (docs/hub.md, Pinning). */
  async replacePins(nodeId: string, sha256s: readonly string[]): Promise<void> {
    const unique = [...new Set(sha256s)];
    await this.prisma.$transaction([
      this.prisma.hubPin.deleteMany({ where: { nodeId, sha256: { notIn: unique } } }),
      this.prisma.hubPin.createMany({
        data: unique.map((sha256) => ({ nodeId, sha256 })),
        skipDuplicates: true,
      }),
    ]);
  }

  async revoke(id: string): Promise<Node> {
    try {
      return await this.prisma.node.update({ where: { id }, data: { status: 'revoked' } });
    } catch (error) {
      if (isRecordNotFound(error)) throw new NodeNotFoundError(id);
      throw error;
    }
  }

  async operatorHasSuspectNode(operatorId: string): Promise<boolean> {
    return (await this.prisma.node.count({ where: { operatorId, status: 'suspect' } })) > 0;
  }

  findByAddress(address: string): Promise<Node | null> {
    return this.prisma.node.findUnique({ where: { address } });
  }

  findById(id: string): Promise<Node | null> {
    return this.prisma.node.findUnique({ where: { id } });
  }

  /** One page, newest first, after `after` (the previous page's last row); `limit + 1` rows tell whether more follow. */
  listPage(limit: number, after?: KeysetPosition): Promise<NodeWithOperator[]> {
    const createdAt = after ? new Date(after.createdAt) : undefined;
    return this.prisma.node.findMany({
      where: after
        ? { OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: after.id } }] }
        : undefined,
      include: { operator: { select: { handle: true } } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
  }

  /**
   * Stores a node's signed OHTTP gateway keys (docs/privacy.md) unless the stored ones expire later: a copy of an older
   * signed configuration, replayed, cannot send clients back to a key the node has retired.
   */
  async setOhttpKeys(
    id: string,
    keys: { keyConfig: string; signature: string; expiresAt: string },
  ): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE "Node" SET "ohttpKeys" = ${JSON.stringify(keys)}::jsonb, "updatedAt" = now()
      WHERE id = ${id}::uuid
        AND ("ohttpKeys" IS NULL OR ("ohttpKeys"->>'expiresAt')::timestamptz < ${keys.expiresAt}::timestamptz)`;
  }

  listWithOperators(): Promise<NodeWithOperator[]> {
    return this.prisma.node.findMany({
      include: { operator: { select: { handle: true } } },
      orderBy: { createdAt: 'asc' },
    });
  }

  /**
   * Records a signed probe answer, unless the node re-registered (another URL or key) or left `active` while the probe
   * was in flight: the answer vouches only for the registration that was probed.
   */
  async recordProbe(probed: Pick<Node, 'id' | 'url' | 'address'>, at: Date): Promise<boolean> {
    const { count } = await this.prisma.node.updateMany({
      where: { id: probed.id, url: probed.url, address: probed.address, status: 'active' },
      data: { probedAt: at },
    });
    return count > 0;
  }

  /**
   * Active operator nodes still heartbeating (a silent one is unhealthy anyway) last probed before `probedBefore` or
   * never, but for `skipIds` (failing, not due again yet), in two lanes (NodeProber, probe-order.ts):
   * `lapsing`, still healthy (probed since `healthySince`), the soonest to lapse first; `probation`, never probed or
   * already lapsed, at most `perOperator` of each operator, so one operator's thousand nodes cannot fill the list.
   */
  async listDueProbe(query: DueProbeQuery): Promise<DueProbes> {
    const due = {
      id: { notIn: query.skipIds },
      status: 'active' as const,
      operatorId: { not: null },
      lastHeartbeatAt: { gte: query.heartbeatSince },
    };
    const lapsing = await this.prisma.node.findMany({
      where: { ...due, probedAt: { gte: query.healthySince, lt: query.probedBefore } },
      orderBy: [{ probedAt: 'asc' }, { createdAt: 'asc' }],
      take: query.limit,
    });
    // Ranked within each operator in SQL: a plain LIMIT would hand the whole list to the operator with most nodes.
    const skip = query.skipIds.length > 0 ? query.skipIds : [randomUUID()];
    const failing = query.failingIds.length > 0 ? query.failingIds : [randomUUID()];
    const ranked = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT id FROM (
        SELECT id, "createdAt", id = ANY(${failing}::uuid[]) AS failing, row_number() OVER (
          PARTITION BY "operatorId" ORDER BY "probedAt" ASC NULLS FIRST, "createdAt" ASC
        ) AS rank
        FROM "Node"
        WHERE status = 'active' AND "operatorId" IS NOT NULL AND "lastHeartbeatAt" >= ${query.heartbeatSince}
          AND ("probedAt" IS NULL OR "probedAt" < ${query.healthySince})
          AND id <> ALL(${skip}::uuid[])
      ) ranked
      WHERE rank <= ${query.perOperator}
      ORDER BY failing, rank, "createdAt"
      LIMIT ${query.limit}`;
    const rows = await this.prisma.node.findMany({ where: { id: { in: ranked.map(({ id }) => id) } } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    const probation = ranked.flatMap(({ id }) => byId.get(id) ?? []);
    return { lapsing, probation };
  }

  /** Operator-registered nodes the router may send to; health (heartbeat and probe age) is judged by the caller. */
  listRoutable(): Promise<Node[]> {
    return this.prisma.node.findMany({ where: { status: 'active', operatorId: { not: null } } });
  }
}
