import type { NodeStatus } from '@app/database';
import { isHealthy } from './node-health';

const NOW = 1_800_000_000_000;
const HEARTBEAT_MS = 1_000;
const ago = (ms: number): Date => new Date(NOW - ms);

describe('isHealthy', () => {
  const operatorNode = {
    status: 'active' as NodeStatus,
    operatorId: 'op-1',
    lastHeartbeatAt: ago(100),
    probedAt: ago(100),
  };
  const healthy = (node: Partial<typeof operatorNode> | { operatorId: null }): boolean =>
    isHealthy({ ...operatorNode, ...node }, HEARTBEAT_MS, NOW);

  it('needs a heartbeat and, for an operator node, a passed probe within 3 intervals', () => {
    expect(healthy({})).toBe(true);
    expect(healthy({ lastHeartbeatAt: ago(3_000) })).toBe(false);
    expect(healthy({ probedAt: ago(2_999) })).toBe(true);
    expect(healthy({ probedAt: ago(3_000) })).toBe(false);
    expect(healthy({ status: 'draining' })).toBe(false);
  });

  it('keeps a heartbeating node never probed out (probation), but not the in-process node: it is the api', () => {
    expect(isHealthy({ ...operatorNode, probedAt: null }, HEARTBEAT_MS, NOW)).toBe(false);
    expect(isHealthy({ ...operatorNode, operatorId: null, probedAt: null }, HEARTBEAT_MS, NOW)).toBe(true);
  });
});
