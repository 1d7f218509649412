import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import type { NodeStatus } from '@app/database';
import { concentrationOf, type Concentration, groupTraffic } from '../concentration/concentration';
import { NodesRepository, type NodeWithOperator } from '../nodes.repository';
import { isHealthy } from '../router/node-health';
import { NetworkTrafficRepository } from './network-traffic.repository';

const HOUR_MS = 3_600_000;
export const REPORT_WINDOWS = { '1h': 1, '24h': 24, '7d': 168 } as const;
export type WindowName = keyof typeof REPORT_WINDOWS;
/** A node without an operator is the platform's own (the in-process node). */
export const PLATFORM_OPERATOR = 'platform';
const UNDECLARED = 'unknown';

export interface WindowReport {
  /** The first hour counted: counters are hourly, so the hour the window starts in is counted whole. */
  since: Date;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  nodes: Concentration;
  operators: Concentration;
  providers: Concentration;
  regions: Concentration;
  teeKinds: Concentration;
}

export type ConcentrationWarning =
  | {
      kind: 'share';
      window: WindowName;
      dimension: 'operator' | 'provider' | 'teeKind';
      key: string;
      share: number;
    }
  | { kind: 'operators'; modelId: string; operators: number };

export interface NetworkReport {
  generatedAt: Date;
  nodes: Record<NodeStatus, number> & { healthy: number };
  windows: Record<WindowName, WindowReport>;
  warnings: ConcentrationWarning[];
}

const operatorOf = (node: NodeWithOperator): string => node.operator?.handle ?? PLATFORM_OPERATOR;

@Injectable()
export class NetworkReportService {
  constructor(
    private readonly config: AppConfig,
    private readonly nodes: NodesRepository,
    private readonly traffic: NetworkTrafficRepository,
  ) {}

  async report(now = new Date()): Promise<NetworkReport> {
    const { heartbeatMs, maxShare, minOperators } = this.config.network;
    const nodes = await this.nodes.listWithOperators();
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const healthy = nodes.filter((n) => isHealthy(n, heartbeatMs, now.getTime()));

    const windows = {} as Record<WindowName, WindowReport>;
    const warnings: ConcentrationWarning[] = [];
    for (const [name, hours] of Object.entries(REPORT_WINDOWS) as [WindowName, number][]) {
      const since = new Date(Math.floor((now.getTime() - hours * HOUR_MS) / HOUR_MS) * HOUR_MS);
      const rows = (await this.traffic.totalsSince(since)).flatMap((t) => {
        const node = byId.get(t.nodeId);
        return node ? [{ ...t, key: t.nodeId, node }] : [];
      });
      const window: WindowReport = {
        since,
        requests: rows.reduce((sum, r) => sum + r.requests, 0),
        promptTokens: rows.reduce((sum, r) => sum + r.promptTokens, 0),
        completionTokens: rows.reduce((sum, r) => sum + r.completionTokens, 0),
        nodes: concentrationOf(groupTraffic(rows, (r) => r.nodeId)),
        operators: concentrationOf(groupTraffic(rows, (r) => operatorOf(r.node))),
        providers: concentrationOf(groupTraffic(rows, (r) => r.node.provider ?? UNDECLARED)),
        regions: concentrationOf(groupTraffic(rows, (r) => r.node.region ?? UNDECLARED)),
        teeKinds: concentrationOf(groupTraffic(rows, (r) => r.node.teeKind)),
      };
      windows[name] = window;
      const dimensions = [
        ['operator', window.operators],
        ['provider', window.providers],
        ['teeKind', window.teeKinds],
      ] as const;
      for (const [dimension, concentration] of dimensions) {
        for (const e of concentration.entities.filter((e) => e.share > maxShare)) {
          warnings.push({ kind: 'share', window: name, dimension, key: e.key, share: e.share });
        }
      }
    }

    // Every model a live node lists, counted by the independent operators among its healthy nodes (0: none serves it).
    const models = new Set(nodes.filter((n) => n.status !== 'revoked').flatMap((n) => n.modelIds));
    for (const modelId of [...models].sort()) {
      const operators = new Set(healthy.filter((n) => n.modelIds.includes(modelId)).map(operatorOf)).size;
      if (operators < minOperators) warnings.push({ kind: 'operators', modelId, operators });
    }

    const counts = { active: 0, draining: 0, offline: 0, revoked: 0, suspect: 0, healthy: healthy.length };
    for (const node of nodes) counts[node.status] += 1;
    return { generatedAt: now, nodes: counts, windows, warnings };
  }
}
