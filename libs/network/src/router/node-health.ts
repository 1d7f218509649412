import type { Node } from '@app/database';

/** A node is healthy while its last heartbeat is younger than this many intervals (docs/network.md). */
export const HEALTHY_WITHIN_HEARTBEATS = 3;

function within(at: Date | null, heartbeatMs: number, now: number): boolean {
  return at !== null && now - at.getTime() < HEALTHY_WITHIN_HEARTBEATS * heartbeatMs;
}

/**
 * Active, heartbeating, and (an operator's node) answering the api's liveness probe within the same window: a node
 * that only pushes heartbeats and answers nothing at its URL is not healthy (docs/network.md, Liveness probes). The
 * in-process node (no operator) is the api itself: there is nothing to probe.
 */
export function isHealthy(
  node: Pick<Node, 'status' | 'lastHeartbeatAt' | 'probedAt' | 'operatorId'>,
  heartbeatMs: number,
  now = Date.now(),
): boolean {
  if (node.status !== 'active' || !within(node.lastHeartbeatAt, heartbeatMs, now)) return false;
  return node.operatorId === null || within(node.probedAt, heartbeatMs, now);
}
