import type { Node, NodeStatus } from '@app/database';
import { HEALTHY_WITHIN_HEARTBEATS } from '../router/node-health';

/**
 * The status GET /v1/nodes and GET /v1/network report. `offline` is never stored: a node that stops without a word
 * (SIGKILL, a lost host) cannot say so, so an `active` or `draining` node whose last heartbeat is older than the
 * healthy window is reported `offline`, derived at read time (no background job to fall behind or race a heartbeat).
 * Its next heartbeat stores its own status again. `revoked` and `suspect` are the platform's verdicts and stay.
 */
export function reportedStatus(
  node: Pick<Node, 'status' | 'lastHeartbeatAt'>,
  heartbeatMs: number,
  now = Date.now(),
): NodeStatus {
  if (node.status !== 'active' && node.status !== 'draining') return node.status;
  const last = node.lastHeartbeatAt?.getTime();
  const silent = last === undefined || now - last >= HEALTHY_WITHIN_HEARTBEATS * heartbeatMs;
  return silent ? 'offline' : node.status;
}
