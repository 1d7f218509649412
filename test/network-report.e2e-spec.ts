import { PrismaService } from '@app/database';
import { dbFactory } from '@app/testing';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ApiHarness, signUp } from './support/api-harness';
import { NetworkFixture, startNetwork } from './support/network-fixture';
import { waitFor } from './support/wait-for';

interface Entity {
  key: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  share: number;
}
interface Concentration {
  entities: Entity[];
  hhi: number;
  nakamoto: number;
}
interface Report {
  nodes: Record<string, number>;
  windows: Record<string, { requests: number } & Record<string, Concentration>>;
  warnings: Record<string, unknown>[];
}

describe('GET /v1/network: who serves the traffic (e2e)', () => {
  let network: NetworkFixture | undefined;
  let api: ApiHarness;
  let prisma: PrismaService;

  beforeAll(async () => {
    // A database of this file's own: the shares below are of this file's traffic alone.
    network = await startNetwork(
      {
        REDIS_PREFIX: `network-${randomBytes(4).toString('hex')}`,
        NETWORK_ROLLUP_MS: '200',
        LOG_LEVEL: 'error',
      },
      { ownDatabase: true },
    );
    ({ api, prisma } = network);
  }, 60_000);

  afterAll(async () => {
    await network?.close();
  });

  const node = (
    operatorId: string,
    fields: { provider: string; region: string; teeKind: string; modelIds: string[] },
  ): Promise<string> => network!.insertNode(operatorId, fields);

  it('reports shares, HHI, Nakamoto and warnings from the traffic the worker rolled up', async () => {
    const alice = await signUp(api.url, 'operator');
    const bob = await signUp(api.url, 'operator');
    const n1 = await node(alice.id, {
      provider: 'aws',
      region: 'eu',
      teeKind: 'nitro',
      modelIds: ['model-a'],
    });
    const n2 = await node(alice.id, { provider: 'gcp', region: 'us', teeKind: 'tdx', modelIds: ['model-a'] });
    const n3 = await node(bob.id, {
      provider: 'aws',
      region: 'eu',
      teeKind: 'sev-snp',
      modelIds: ['model-a', 'model-b'],
    });
    // Older than the rollup's settle time, so the worker folds them on its next pass.
    const createdAt = new Date(Date.now() - 20_000);
    const served = (nodeId: string, count: number) =>
      Array.from({ length: count }, () => ({ nodeId, promptTokens: 10, completionTokens: 5, createdAt }));
    await dbFactory.inferenceRecords(prisma, [...served(n1, 6), ...served(n2, 2), ...served(n3, 2)]);

    let report: Report | undefined;
    await waitFor(async () => {
      report = (await request(api.url).get('/v1/network').expect(200)).body as Report;
      return report.windows['7d']?.requests === 10;
    }, 'the worker to roll the traffic up');
    if (!report) throw new Error('no report');

    // The in-process node is active too, and has served nothing here.
    expect(report.nodes).toMatchObject({ active: 4, revoked: 0 });
    for (const name of ['1h', '24h', '7d']) {
      const window = report.windows[name];
      expect(window?.requests).toBe(10);
      expect(window?.nodes).toEqual({
        entities: [
          { key: n1, requests: 6, promptTokens: 60, completionTokens: 30, share: 0.6 },
          ...[
            { key: n2, requests: 2, promptTokens: 20, completionTokens: 10, share: 0.2 },
            { key: n3, requests: 2, promptTokens: 20, completionTokens: 10, share: 0.2 },
          ].sort((a, b) => a.key.localeCompare(b.key)),
        ],
        hhi: 4400,
        nakamoto: 1,
      });
      expect(window?.operators).toEqual({
        entities: [
          { key: alice.handle, requests: 8, promptTokens: 80, completionTokens: 40, share: 0.8 },
          { key: bob.handle, requests: 2, promptTokens: 20, completionTokens: 10, share: 0.2 },
        ],
        hhi: 6800,
        nakamoto: 1,
      });
      expect(window?.providers?.entities.map((e) => [e.key, e.share])).toEqual([
        ['aws', 0.8],
        ['gcp', 0.2],
      ]);
      expect(window?.regions?.hhi).toBe(6800);
      expect(window?.teeKinds).toMatchObject({ hhi: 3600 + 400 + 400, nakamoto: 1 });
    }

    // More than NETWORK_MAX_SHARE (0.5): alice, aws and nitro; model-b has one operator, model-a two.
    for (const window of ['1h', '24h', '7d']) {
      expect(report.warnings).toEqual(
        expect.arrayContaining([
          { kind: 'share', window, dimension: 'operator', key: alice.handle, share: 0.8 },
          { kind: 'share', window, dimension: 'provider', key: 'aws', share: 0.8 },
          { kind: 'share', window, dimension: 'teeKind', key: 'nitro', share: 0.6 },
        ]),
      );
    }
    expect(report.warnings.filter((w) => w.kind === 'share')).toHaveLength(9);
    expect(report.warnings).toContainEqual({ kind: 'operators', modelId: 'model-b', operators: 1 });
    expect(report.warnings).not.toContainEqual(expect.objectContaining({ modelId: 'model-a' }));
  }, 60_000);

  it('warns about personas requiring more operators than serve their model, and models no healthy node serves', async () => {
    const persona = async (modelId: string, minOperators: number, deletedAt: Date | null = null) => {
      const { id } = await dbFactory.persona(prisma);
      await prisma.persona.update({ where: { id }, data: { modelId, minOperators, deletedAt } });
    };
    await persona('model-a', 3);
    await persona('model-a', 3);
    await persona('model-a', 2);
    await persona('model-b', 1);
    await persona('model-q', 1);
    await persona('model-q', 4);
    await persona('model-r', 5, new Date()); // deleted: needs nothing
    await persona('embedded', 2);
    // The first test's nodes, fresh again: model-a has alice and bob, model-b bob; the in-process node is the
    // platform's and serves embedded (the api's model registry).
    await prisma.node.updateMany({
      where: { id: { in: [...network!.insertedNodeIds] } },
      data: { lastHeartbeatAt: new Date(), probedAt: new Date() },
    });

    // A node that stopped heartbeating a minute ago, alone with its model: reported offline, and its model (no
    // persona uses it, no healthy node serves it) concerns nobody, so it gets no `operators` warning.
    const carol = await signUp(api.url, 'operator');
    const silent = await node(carol.id, {
      provider: 'aws',
      region: 'eu',
      teeKind: 'dev',
      modelIds: ['model-dead'],
    });
    await prisma.node.update({
      where: { id: silent },
      data: { lastHeartbeatAt: new Date(Date.now() - 60_000) },
    });

    const report = (await request(api.url).get('/v1/network').expect(200)).body as Report;
    expect(report.nodes).toMatchObject({ active: 4, offline: 1 });
    expect(report.warnings).not.toContainEqual(expect.objectContaining({ modelId: 'model-dead' }));
    expect(report.warnings.filter((w) => w.kind === 'minOperators' || w.kind === 'unserved')).toEqual([
      { kind: 'minOperators', modelId: 'embedded', minOperators: 2, operators: 1, personas: 1 },
      { kind: 'minOperators', modelId: 'model-a', minOperators: 3, operators: 2, personas: 2 },
      { kind: 'unserved', modelId: 'model-q', personas: 2 },
    ]);
  });
});
