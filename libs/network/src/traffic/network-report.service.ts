import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import type { NodeStatus } from '@app/database';
import { ModelRegistry } from '@app/inference';
import { reportedStatus } from '../dto/reported-status';
import { concentrationOf, type Concentration, groupTraffic } from '../concentration/concentration';
import { NodesRepository, type NodeWithOperator } from '../nodes.repository';
import { isHealthy } from '../router/node-health';
import { NetworkTrafficRepository } from './network-traffic.repository';
import { RelayTrafficRepository, type RelayTrafficTotals } from './relay-traffic.repository';
import { type PersonaRequirement, PersonaRequirementsRepository } from './persona-requirements.repository';

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
  /** Requests that came through an OHTTP relay of the registry (docs/privacy.md). */
  privateRequests: number;
  /** Private requests by the operator of the relay they came through (operator handle). */
  relayOperators: Concentration;
}

export type ConcentrationWarning =
  | {
      kind: 'share';
      window: WindowName;
      dimension: 'operator' | 'provider' | 'teeKind' | 'relayOperator';
      key: string;
      share: number;
    }
  /** A model healthy nodes serve (or live personas use) has fewer than NETWORK_MIN_OPERATORS operators. */
  | { kind: 'operators'; modelId: string; operators: number }
  /** `personas` live personas require more independent operators than serve their model now: they cannot reply. */
  | { kind: 'minOperators'; modelId: string; minOperators: number; operators: number; personas: number }
  /** Live personas use a model no healthy node serves. */
  | { kind: 'unserved'; modelId: string; personas: number }
  /**
   * One operator runs both a relay and the gateway node behind it for some private traffic: that operator sees who
   * asked and what, which is what Oblivious HTTP is there to prevent (docs/privacy.md).
   */
  | {
      kind: 'relayGateway';
      window: WindowName;
      key: string;
      relayId: string;
      nodeId: string;
      requests: number;
    };

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
    private readonly relayTraffic: RelayTrafficRepository,
    private readonly personas: PersonaRequirementsRepository,
    private readonly models: ModelRegistry,
  ) {}

  async report(now = new Date()): Promise<NetworkReport> {
    const { heartbeatMs, maxShare, minOperators } = this.config.network;
    const nodes = await this.nodes.listWithOperators();
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const healthy = nodes.filter((n) => isHealthy(n, heartbeatMs, now.getTime()));

    const windows = {} as Record<WindowName, WindowReport>;
    const warnings: ConcentrationWarning[] = [];
    const spans = Object.entries(REPORT_WINDOWS) as [WindowName, number][];
    const sinces = spans.map(
      ([, hours]) => new Date(Math.floor((now.getTime() - hours * HOUR_MS) / HOUR_MS) * HOUR_MS),
    );
    // One read for all windows: they must agree with each other (a 1 h figure never above the 24 h one).
    const [totals, relayTotals] = await Promise.all([
      this.traffic.totalsSinceEach(sinces),
      this.relayTraffic.totalsSinceEach(sinces),
    ]);
    for (const [index, [name]] of spans.entries()) {
      const since = sinces[index];
      const rows = (totals[index] ?? []).flatMap((t) => {
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
        ...relayFigures(relayTotals[index] ?? []),
      };
      windows[name] = window;
      const dimensions = [
        ['operator', window.operators],
        ['provider', window.providers],
        ['teeKind', window.teeKinds],
        ['relayOperator', window.relayOperators],
      ] as const;
      for (const [dimension, concentration] of dimensions) {
        for (const e of concentration.entities.filter((e) => e.share > maxShare)) {
          warnings.push({ kind: 'share', window: name, dimension, key: e.key, share: e.share });
        }
      }
      warnings.push(...relayGatewayWarnings(name, relayTotals[index] ?? [], byId));
    }

    const requirements = await this.personas.requirements();
    const operatorsOf = this.operatorCounter(healthy);
    // Only models someone can act on: those healthy nodes serve, or live personas use. A model that only stopped or
    // revoked nodes listed concerns nobody (no node serves it, no persona asks for it), so it is not warned about.
    // A model live personas use that no healthy node serves is `unserved` (below), not also `operators: 0`.
    const models = new Set([...healthy.flatMap((n) => n.modelIds), ...requirements.map((r) => r.modelId)]);
    for (const modelId of [...models].sort()) {
      const operators = operatorsOf(modelId);
      if (operators > 0 && operators < minOperators) warnings.push({ kind: 'operators', modelId, operators });
    }

    warnings.push(...this.personaWarnings(requirements, operatorsOf));

    const counts = { active: 0, draining: 0, offline: 0, revoked: 0, suspect: 0, healthy: healthy.length };
    // Counted as GET /v1/nodes lists them: a node silent past the healthy window is offline, not active.
    for (const node of nodes) counts[reportedStatus(node, heartbeatMs, now.getTime())] += 1;
    return { generatedAt: now, nodes: counts, windows, warnings };
  }

  /** How many independent operators run healthy nodes serving a model (memoised per report). */
  private operatorCounter(healthy: NodeWithOperator[]): (modelId: string) => number {
    const operatorsByModel = new Map<string, number>();
    return (modelId) => {
      let operators = operatorsByModel.get(modelId);
      if (operators === undefined) {
        operators = new Set(healthy.filter((n) => this.serves(n, modelId)).map(operatorOf)).size;
        operatorsByModel.set(modelId, operators);
      }
      return operators;
    };
  }

  /** Personas grouped by (model, minimum): each group is compared with the operators serving its model now. */
  private personaWarnings(
    requirements: PersonaRequirement[],
    operatorsOf: (modelId: string) => number,
  ): ConcentrationWarning[] {
    const warnings: ConcentrationWarning[] = [];
    const unserved = new Map<string, number>();
    for (const { modelId, minOperators, personas } of requirements) {
      const operators = operatorsOf(modelId);
      if (operators === 0) unserved.set(modelId, (unserved.get(modelId) ?? 0) + personas);
      else if (minOperators > operators)
        warnings.push({ kind: 'minOperators', modelId, minOperators, operators, personas });
    }
    for (const [modelId, personas] of unserved) warnings.push({ kind: 'unserved', modelId, personas });
    return warnings;
  }

  // The in-process node registers no model list: it serves what this api's model registry runs (the router's rule).
  private serves(node: NodeWithOperator, modelId: string): boolean {
    if (node.modelIds.includes(modelId)) return true;
    return node.operatorId === null && node.modelIds.length === 0 && this.models.has(modelId);
  }
}

function relayFigures(rows: RelayTrafficTotals[]): Pick<WindowReport, 'privateRequests' | 'relayOperators'> {
  const traffic = rows.map((r) => ({ ...r, key: r.relayOperator, promptTokens: 0, completionTokens: 0 }));
  return {
    privateRequests: rows.reduce((sum, r) => sum + r.requests, 0),
    relayOperators: concentrationOf(groupTraffic(traffic, (r) => r.relayOperator)),
  };
}

/** Private traffic whose relay and gateway node one operator runs. */
function relayGatewayWarnings(
  window: WindowName,
  rows: RelayTrafficTotals[],
  nodes: Map<string, NodeWithOperator>,
): ConcentrationWarning[] {
  return rows.flatMap((row) => {
    const node = nodes.get(row.nodeId);
    if (!node || node.operatorId !== row.relayOperatorId) return [];
    return [
      {
        kind: 'relayGateway' as const,
        window,
        key: row.relayOperator,
        relayId: row.relayId,
        nodeId: row.nodeId,
        requests: row.requests,
      },
    ];
  });
}
