import { AppConfig } from '@app/config';
import type { NodesRepository, NodeWithOperator } from '../nodes.repository';
import type { ModelRegistry } from '@app/inference';
import { NetworkReportService } from './network-report.service';
import type { NetworkTrafficRepository, NodeTrafficTotals } from './network-traffic.repository';
import type { RelayTrafficRepository, RelayTrafficTotals } from './relay-traffic.repository';
import type { PersonaRequirement, PersonaRequirementsRepository } from './persona-requirements.repository';

const NOW = new Date('2026-12-03T15:20:00Z');

function node(id: string, fields: Partial<NodeWithOperator> = {}): NodeWithOperator {
  return {
    id,
    address: id,
    name: id,
    url: 'http://127.0.0.1:4100',
    operatorId: null,
    operator: null,
    modelIds: ['m'],
    region: null,
    provider: null,
    teeKind: 'dev',
    attestationKind: 'dev',
    attestation: {},
    measurement: null,
    ohttpKeys: null,
    status: 'active',
    lastHeartbeatAt: NOW,
    lastSignedHeartbeatAt: null,
    probedAt: NOW,
    createdAt: NOW,
    updatedAt: NOW,
    ...fields,
  };
}

function service(
  nodes: NodeWithOperator[],
  totals: NodeTrafficTotals[],
  env: Record<string, string> = {},
  requirements: PersonaRequirement[] = [],
  relayTotals: RelayTrafficTotals[] = [],
) {
  const since: Date[] = [];
  const traffic = {
    totalsSinceEach: (froms: Date[]) => {
      since.push(...froms);
      return Promise.resolve(froms.map(() => totals));
    },
  } as unknown as NetworkTrafficRepository;
  const relayTraffic = {
    totalsSinceEach: (froms: Date[]) => Promise.resolve(froms.map(() => relayTotals)),
  } as unknown as RelayTrafficRepository;
  const repository = { listWithOperators: () => Promise.resolve(nodes) } as unknown as NodesRepository;
  const personas = {
    requirements: () => Promise.resolve(requirements),
  } as unknown as PersonaRequirementsRepository;
  // The in-process node's registry: it runs model 'embedded' only.
  const models = { has: (modelId: string) => modelId === 'embedded' } as unknown as ModelRegistry;
  return {
    since,
    reports: new NetworkReportService(
      AppConfig.fromProcessEnv(env),
      repository,
      traffic,
      relayTraffic,
      personas,
      models,
    ),
  };
}

const served = (nodeId: string, requests: number): NodeTrafficTotals => ({
  nodeId,
  requests,
  promptTokens: requests,
  completionTokens: requests,
});

describe('NetworkReportService', () => {
  it('counts a node without an operator as platform, an undeclared provider and region as unknown', async () => {
    const { reports } = service(
      [node('local'), node('a', { operator: { handle: 'alice' }, operatorId: 'u1', provider: 'aws' })],
      [served('local', 1), served('a', 3)],
    );
    const { windows } = await reports.report(NOW);
    expect(windows['24h'].operators.entities.map((e) => [e.key, e.share])).toEqual([
      ['alice', 0.75],
      ['platform', 0.25],
    ]);
    expect(windows['24h'].providers.entities.map((e) => e.key)).toEqual(['aws', 'unknown']);
    expect(windows['24h'].regions.entities.map((e) => e.key)).toEqual(['unknown']);
  });

  it('reads each window from the start of the hour it begins in', async () => {
    const { reports, since } = service([], []);
    await reports.report(NOW);
    expect(since.map((d) => d.toISOString())).toEqual([
      '2026-12-03T14:00:00.000Z',
      '2026-12-02T15:00:00.000Z',
      '2026-11-26T15:00:00.000Z',
    ]);
  });

  it('warns only above the configured share', async () => {
    const nodes = [
      node('a', { operator: { handle: 'alice' }, operatorId: 'u1' }),
      node('b', { operator: { handle: 'bob' }, operatorId: 'u2' }),
    ];
    const even = await service(nodes, [served('a', 1), served('b', 1)]).reports.report(NOW);
    expect(even.warnings.filter((w) => w.kind === 'share' && w.dimension === 'operator')).toEqual([]);
    // One TEE kind (dev) serves everything: a warning per window.
    expect(even.warnings.filter((w) => w.kind === 'share' && w.dimension === 'teeKind')).toHaveLength(3);

    const lowered = await service(nodes, [served('a', 1), served('b', 1)], {
      NETWORK_MAX_SHARE: '0.4',
    }).reports.report(NOW);
    expect(lowered.warnings.filter((w) => w.kind === 'share' && w.dimension === 'operator')).toHaveLength(6);
  });

  it('counts a model’s operators among healthy nodes only; no warning for models only silent or revoked nodes list', async () => {
    const stale = new Date(NOW.getTime() - 60_000);
    const nodes = [
      node('a', { operator: { handle: 'alice' }, operatorId: 'u1', modelIds: ['m', 'x'] }),
      node('b', { operator: { handle: 'bob' }, operatorId: 'u2', modelIds: ['m'] }),
      node('c', {
        operator: { handle: 'carol' },
        operatorId: 'u3',
        modelIds: ['x', 'y'],
        lastHeartbeatAt: stale,
      }),
      node('d', { operator: { handle: 'dave' }, operatorId: 'u4', modelIds: ['z'], status: 'revoked' }),
    ];
    // y (a silent node's) and z (a revoked one's) concern nobody: no node serves them, no persona uses them.
    const report = await service(nodes, []).reports.report(NOW);
    expect(report.warnings.filter((w) => w.kind !== 'share')).toEqual([
      { kind: 'operators', modelId: 'x', operators: 1 },
    ]);
    // c's heartbeats stopped 60 s ago (> 3 × 5 s): offline, though its row still says active.
    expect(report.nodes).toEqual({ active: 2, draining: 0, offline: 1, revoked: 1, suspect: 0, healthy: 2 });

    // Once a live persona uses y it matters: `unserved` says so (not also `operators: 0`).
    const used = await service(nodes, [], {}, [
      { modelId: 'y', minOperators: 1, personas: 2 },
    ]).reports.report(NOW);
    expect(used.warnings.filter((w) => w.kind !== 'share')).toEqual([
      { kind: 'operators', modelId: 'x', operators: 1 },
      { kind: 'unserved', modelId: 'y', personas: 2 },
    ]);
  });

  it('reports a silent draining node offline, and keeps revoked and suspect as stored', async () => {
    const stale = new Date(NOW.getTime() - 60_000);
    const report = await service(
      [
        node('a', { status: 'draining' }),
        node('b', { status: 'draining', lastHeartbeatAt: stale }),
        node('c', { status: 'suspect', lastHeartbeatAt: stale }),
        node('d', { status: 'revoked', lastHeartbeatAt: stale }),
        node('e', { lastHeartbeatAt: null }),
      ],
      [],
    ).reports.report(NOW);
    expect(report.nodes).toEqual({ active: 0, draining: 1, offline: 2, revoked: 1, suspect: 1, healthy: 0 });
  });

  it('counts the in-process node as the platform’s operator for models live personas use', async () => {
    const report = await service(
      [
        node('local', { modelIds: [] }),
        node('a', { operator: { handle: 'alice' }, operatorId: 'u1', modelIds: ['embedded'] }),
      ],
      [],
      { NETWORK_MIN_OPERATORS: '3' },
      [{ modelId: 'embedded', minOperators: 1, personas: 1 }],
    ).reports.report(NOW);
    expect(report.warnings.filter((w) => w.kind === 'operators')).toEqual([
      { kind: 'operators', modelId: 'embedded', operators: 2 },
    ]);
  });

  it('no traffic: zero figures, no share warnings', async () => {
    const report = await service([node('a')], []).reports.report(NOW);
    expect(report.windows['7d']).toMatchObject({ requests: 0, nodes: { entities: [], hhi: 0, nakamoto: 0 } });
    expect(report.warnings.filter((w) => w.kind === 'share')).toEqual([]);
  });

  it('warns for personas requiring more operators than serve their model, and for models no healthy node serves', async () => {
    const stale = new Date(NOW.getTime() - 60_000);
    const { reports } = service(
      [
        // The in-process node: no operator, no model list; it serves what the registry runs ('embedded').
        node('local', { modelIds: [] }),
        node('a1', { operator: { handle: 'alice' }, operatorId: 'u1', modelIds: ['m'] }),
        node('a2', { operator: { handle: 'alice' }, operatorId: 'u1', modelIds: ['m'] }),
        node('b', { operator: { handle: 'bob' }, operatorId: 'u2', modelIds: ['m'] }),
        node('c', {
          operator: { handle: 'carol' },
          operatorId: 'u3',
          modelIds: ['gone'],
          lastHeartbeatAt: stale,
        }),
      ],
      [],
      { NETWORK_MIN_OPERATORS: '1' },
      [
        { modelId: 'embedded', minOperators: 1, personas: 7 },
        { modelId: 'embedded', minOperators: 2, personas: 1 },
        { modelId: 'gone', minOperators: 1, personas: 2 },
        { modelId: 'gone', minOperators: 3, personas: 1 },
        { modelId: 'm', minOperators: 2, personas: 4 },
        { modelId: 'm', minOperators: 3, personas: 5 },
        { modelId: 'm', minOperators: 4, personas: 6 },
      ],
    );
    const report = await reports.report(NOW);
    // m: alice (two nodes) and bob are 2 operators; 'gone' is served only by a stale node.
    expect(report.warnings.filter((w) => w.kind === 'minOperators' || w.kind === 'unserved')).toEqual([
      { kind: 'minOperators', modelId: 'embedded', minOperators: 2, operators: 1, personas: 1 },
      { kind: 'minOperators', modelId: 'm', minOperators: 3, operators: 2, personas: 5 },
      { kind: 'minOperators', modelId: 'm', minOperators: 4, operators: 2, personas: 6 },
      { kind: 'unserved', modelId: 'gone', personas: 3 },
    ]);
  });

  it('reports private traffic by relay operator, and warns where one operator runs the relay and the gateway', async () => {
    const ops = (id: string, handle: string) => ({ operatorId: id, operator: { handle } });
    const nodes = [node('n1', ops('op-a', 'alice')), node('n2', ops('op-b', 'bob'))];
    const relay = (
      relayId: string,
      nodeId: string,
      requests: number,
      operatorId: string,
      handle: string,
    ) => ({
      relayId,
      nodeId,
      requests,
      relayOperatorId: operatorId,
      relayOperator: handle,
    });
    const { reports } = service(
      nodes,
      [],
      {},
      [],
      [relay('r1', 'n1', 30, 'op-c', 'carol'), relay('r2', 'n2', 10, 'op-b', 'bob')],
    );
    const report = await reports.report(NOW);
    const window = report.windows['24h'];
    expect(window.privateRequests).toBe(40);
    expect(window.relayOperators.entities.map((e) => [e.key, e.requests, e.share])).toEqual([
      ['carol', 30, 0.75],
      ['bob', 10, 0.25],
    ]);
    expect(window.relayOperators.nakamoto).toBe(1);
    expect(report.warnings).toContainEqual({
      kind: 'share',
      window: '24h',
      dimension: 'relayOperator',
      key: 'carol',
      share: 0.75,
    });
    // Bob's relay forwarded to Bob's own node: he saw both who asked and what. Carol's did not.
    const same = report.warnings.filter((w) => w.kind === 'relayGateway');
    expect(same).toEqual(
      (['1h', '24h', '7d'] as const).map((w) => ({
        kind: 'relayGateway',
        window: w,
        key: 'bob',
        relayId: 'r2',
        nodeId: 'n2',
        requests: 10,
      })),
    );
  });
});
