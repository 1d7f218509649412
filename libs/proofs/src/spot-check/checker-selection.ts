import { isHealthy } from '@app/network/router/node-health';
import type { NodeStatus } from '@app/database';

/** A registered node as the checker selection reads it. */
export interface CheckerCandidate {
  id: string;
  address: string;
  url: string;
  operatorId: string | null;
  teeKind: string;
  modelIds: string[];
  status: NodeStatus;
  lastHeartbeatAt: Date | null;
  /** The router's last liveness probe: a node that heartbeats but answers nothing is not healthy. */
  probedAt: Date | null;
}

/** The node that served the reply; the in-process node is the platform's (operatorId null). */
export interface ServedBy {
  nodeId: string;
  operatorId: string | null;
  teeKind: string;
}

/**
 * A healthy node process that serves the model and is run by another operator than the reply's node; among those,
 * one on another TEE technology when there is one (a flaw in one TEE kind should not let both agree). The worker
 * cannot use the in-process node: it lives in the api, so only registered nodes (with an operator) qualify.
 */
export function chooseChecker(
  nodes: readonly CheckerCandidate[],
  served: ServedBy,
  modelId: string,
  heartbeatMs: number,
  now = Date.now(),
  random: () => number = Math.random,
): CheckerCandidate | null {
  const eligible = nodes.filter(
    (node) =>
      node.id !== served.nodeId &&
      node.operatorId !== null &&
      node.operatorId !== served.operatorId &&
      node.modelIds.includes(modelId) &&
      isHealthy(node, heartbeatMs, now),
  );
  const otherTee = eligible.filter((node) => node.teeKind !== served.teeKind);
  const pool = otherTee.length > 0 ? otherTee : eligible;
  if (pool.length === 0) return null;
  // Random, so a lying node cannot predict which peer will check it and collude with just that one.
  return pool[Math.min(pool.length - 1, Math.floor(random() * pool.length))];
}
