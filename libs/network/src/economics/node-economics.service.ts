import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { NodeNotFoundError } from '../nodes.errors';
import {
  type Assumptions,
  computeEconomics,
  type Economics,
  type MeasuredFigures,
  measurementNote,
} from './node-economics';
import { NodeEconomicsRepository } from './node-economics.repository';

const HOUR_MS = 3_600_000;
export const ECONOMICS_WINDOWS = { '24h': 24, '7d': 168 } as const;
export type EconomicsWindow = keyof typeof ECONOMICS_WINDOWS;

export interface NodeEconomicsReport extends Economics {
  nodeId: string;
  window: EconomicsWindow;
  /** The span measured: complete hours only, from the window's start or the node's registration if later. */
  from: Date;
  to: Date;
  measured: MeasuredFigures & { heartbeats: number; expectedHeartbeats: number };
  assumptions: Assumptions;
  /** Set while no complete hour has been measured (measured.hours 0): the figures are not a measurement yet. */
  note: string | null;
}

@Injectable()
export class NodeEconomicsService {
  constructor(
    private readonly config: AppConfig,
    private readonly repository: NodeEconomicsRepository,
  ) {}

  /** `overrides`: the caller's assumptions; the rest come from the NODE_* settings. */
  async report(
    nodeId: string,
    window: EconomicsWindow,
    overrides: Partial<Assumptions>,
    now = new Date(),
  ): Promise<NodeEconomicsReport> {
    const node = await this.repository.findNode(nodeId);
    if (!node) throw new NodeNotFoundError(nodeId);
    // Complete hours only: the current hour is still being rolled up (NETWORK_ROLLUP_MS) and would read low.
    const to = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
    const windowStart = to.getTime() - ECONOMICS_WINDOWS[window] * HOUR_MS;
    // A node younger than the window is measured from its registration, not diluted by hours it did not exist.
    const from = new Date(Math.min(to.getTime(), Math.max(windowStart, node.createdAt.getTime())));
    const hourFrom = new Date(Math.floor(from.getTime() / HOUR_MS) * HOUR_MS);

    const [traffic, modelTokens, heartbeats] = await Promise.all([
      this.repository.traffic(nodeId, hourFrom, to),
      this.repository.modelTokens(node.modelIds, hourFrom, to),
      this.repository.heartbeats(nodeId, from, to, this.config.network.heartbeatMs),
    ]);
    const spanMs = to.getTime() - from.getTime();
    const expectedHeartbeats = Math.floor(spanMs / this.config.network.heartbeatMs);
    const tokens = traffic.promptTokens + traffic.completionTokens;
    const measured = {
      hours: spanMs / HOUR_MS,
      ...traffic,
      uptime: expectedHeartbeats > 0 ? Math.min(1, heartbeats / expectedHeartbeats) : 0,
      modelShare: modelTokens > 0 ? tokens / modelTokens : 0,
      heartbeats,
      expectedHeartbeats,
    };
    const assumptions = { ...this.config.economics, ...definedOnly(overrides) };
    return {
      nodeId,
      window,
      from,
      to,
      measured,
      assumptions,
      note: measurementNote(measured.hours, to),
      ...computeEconomics(measured, assumptions),
    };
  }
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
