import { CheckerCandidate, chooseChecker, ServedBy } from './checker-selection';

const HEARTBEAT_MS = 1_000;
const NOW = 1_000_000;
const MODEL = 'embedded';

let n = 0;
function node(overrides: Partial<CheckerCandidate> = {}): CheckerCandidate {
  n += 1;
  return {
    id: `node-${n}`,
    address: `0x${String(n).padStart(40, '0')}`,
    url: `http://127.0.0.1:${4000 + n}`,
    operatorId: 'op-b',
    teeKind: 'dev',
    modelIds: [MODEL],
    status: 'active',
    lastHeartbeatAt: new Date(NOW - 100),
    probedAt: new Date(NOW - 100),
    ...overrides,
  };
}

const served: ServedBy = { nodeId: 'served', operatorId: 'op-a', teeKind: 'dev' };
const choose = (nodes: CheckerCandidate[], by = served, random = () => 0): CheckerCandidate | null =>
  chooseChecker(nodes, by, MODEL, HEARTBEAT_MS, NOW, random);

describe('chooseChecker', () => {
  it('never picks the node itself, a node of the same operator, or one without an operator', () => {
    const self = node({ id: 'served', operatorId: 'op-b' });
    const sameOperator = node({ operatorId: 'op-a' });
    const platform = node({ operatorId: null });
    expect(choose([self, sameOperator, platform])).toBeNull();
    const other = node();
    expect(choose([self, sameOperator, platform, other])).toBe(other);
  });

  it('skips nodes that are unhealthy, not active, or do not serve the model', () => {
    const stale = node({ lastHeartbeatAt: new Date(NOW - 3 * HEARTBEAT_MS) });
    const suspect = node({ status: 'suspect' });
    const draining = node({ status: 'draining' });
    const otherModel = node({ modelIds: ['gpt-x'] });
    expect(choose([stale, suspect, draining, otherModel])).toBeNull();
  });

  it('prefers another TEE technology, and falls back to the same one', () => {
    const sameTee = node({ teeKind: 'dev' });
    const otherTee = node({ teeKind: 'nitro' });
    expect(choose([sameTee, otherTee])).toBe(otherTee);
    expect(choose([sameTee, otherTee], served, () => 0.99)).toBe(otherTee);
    expect(choose([sameTee])).toBe(sameTee);
  });

  it('checks a reply of the in-process node (the platform, no operator) on any operator’s node', () => {
    const any = node({ operatorId: 'op-a' });
    expect(choose([any], { nodeId: 'local', operatorId: null, teeKind: 'dev' })).toBe(any);
  });

  it('spreads the choice at random among the eligible', () => {
    const a = node();
    const b = node();
    expect(choose([a, b], served, () => 0)).toBe(a);
    expect(choose([a, b], served, () => 0.99)).toBe(b);
  });
});
