import type { Node } from '@app/database';

/** A node is healthy while its last heartbeat is younger than this many intervals (docs/network.md). */
export const HEALTHY_WITHIN_HEARTBEATS = 3;

export function isHealthy(
  node: Pick<Node, 'status' | 'lastHeartbeatAt'>,
  heartbeatMs: number,
  now = Date.now(),
): boolean {
  if (node.status !== 'active' || !node.lastHeartbeatAt) return false;
  return now - node.lastHeartbeatAt.getTime() < HEALTHY_WITHIN_HEARTBEATS * heartbeatMs;
}
