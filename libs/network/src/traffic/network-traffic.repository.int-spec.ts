import { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@app/database';
import { createContext, dbFactory } from '@app/testing';
import { Wallet } from 'ethers';
import { NetworkRollup } from './network-rollup';
import { NetworkTrafficRepository } from './network-traffic.repository';

describe('NetworkRollup (PostgreSQL)', () => {
  let context: INestApplicationContext;
  let prisma: PrismaService;

  const start = () => createContext([], [NetworkTrafficRepository, NetworkRollup]);

  beforeAll(async () => {
    context = await start();
    prisma = context.get(PrismaService);
  });
  afterAll(() => context.close());

  // A model no persona names: other files' apis share this database and must not route to these nodes.
  async function node(): Promise<string> {
    const created = await prisma.node.create({
      data: {
        address: Wallet.createRandom().address,
        name: 'rollup',
        url: 'http://127.0.0.1:4100',
        modelIds: ['rollup-spec'],
        attestationKind: 'dev',
        attestation: {},
        status: 'revoked',
      },
    });
    return created.id;
  }

  // Records dated now: the watermark only moves forward, and other files' workers may have folded up to now already.
  async function traffic(nodeIds: string[], perNode: number): Promise<void> {
    await dbFactory.inferenceRecords(
      prisma,
      nodeIds.flatMap((nodeId, n) =>
        Array.from({ length: perNode }, (_, i) => ({
          nodeId,
          promptTokens: 10 + n,
          completionTokens: i,
          createdAt: new Date(),
        })),
      ),
    );
  }

  async function counters(nodeIds: string[]) {
    const rows = await prisma.nodeTrafficHour.groupBy({
      by: ['nodeId'],
      where: { nodeId: { in: nodeIds } },
      _sum: { requests: true, promptTokens: true, completionTokens: true },
      orderBy: { nodeId: 'asc' },
    });
    return rows.map((r) => ({ nodeId: r.nodeId, ...r._sum }));
  }

  async function direct(nodeIds: string[]) {
    const rows = await prisma.inferenceRecord.groupBy({
      by: ['nodeId'],
      where: { nodeId: { in: nodeIds } },
      _count: { _all: true },
      _sum: { promptTokens: true, completionTokens: true },
      orderBy: { nodeId: 'asc' },
    });
    return rows.map((r) => ({
      nodeId: r.nodeId,
      requests: r._count._all,
      promptTokens: r._sum.promptTokens,
      completionTokens: r._sum.completionTokens,
    }));
  }

  it('counts equal a direct count over the records, in batches, and a second run adds nothing', async () => {
    const nodes = [await node(), await node(), await node()];
    await traffic(nodes, 25);
    const rollup = context.get(NetworkRollup);

    await rollup.run(0, 7);
    expect(await counters(nodes)).toEqual(await direct(nodes));
    expect((await counters(nodes)).map((c) => c.requests)).toEqual([25, 25, 25]);
    await rollup.run(0, 7);
    expect(await counters(nodes)).toEqual(await direct(nodes));
  });

  it('concurrent runs, from two instances, never count a record twice', async () => {
    const nodes = [await node(), await node()];
    await traffic(nodes, 40);
    const other = await start();
    try {
      await Promise.all([
        context.get(NetworkRollup).run(0, 5),
        other.get(NetworkRollup).run(0, 5),
        context.get(NetworkRollup).run(0, 5),
      ]);
    } finally {
      await other.close();
    }
    expect(await counters(nodes)).toEqual(await direct(nodes));
  });

  it('a new instance (a restart) starts from the watermark: only records since then are added', async () => {
    const nodes = [await node()];
    await traffic(nodes, 6);
    await context.get(NetworkRollup).run(0);
    await traffic(nodes, 4);

    const restarted = await start();
    try {
      await restarted.get(NetworkRollup).run(0);
    } finally {
      await restarted.close();
    }
    expect((await counters(nodes))[0]?.requests).toBe(10);
    expect(await counters(nodes)).toEqual(await direct(nodes));
  });

  it('leaves records younger than the settle time for a later pass', async () => {
    const nodes = [await node()];
    await dbFactory.inferenceRecords(prisma, [
      { nodeId: nodes[0] ?? '', promptTokens: 1, completionTokens: 1, createdAt: new Date() },
    ]);
    await context.get(NetworkRollup).run(60_000);
    expect(await counters(nodes)).toEqual([]);
    await context.get(NetworkRollup).run(0);
    expect((await counters(nodes))[0]?.requests).toBe(1);
  });

  it('totals each window from one read, leaving out nodes with no hour inside a window', async () => {
    const [busy, old] = [await node(), await node()];
    const hour = 3_600_000;
    const now = Math.floor(Date.now() / hour) * hour;
    await prisma.nodeTrafficHour.createMany({
      data: [
        { nodeId: busy, hour: new Date(now), requests: 1, promptTokens: 10, completionTokens: 100 },
        {
          nodeId: busy,
          hour: new Date(now - 5 * hour),
          requests: 2,
          promptTokens: 20,
          completionTokens: 200,
        },
        {
          nodeId: old,
          hour: new Date(now - 30 * hour),
          requests: 4,
          promptTokens: 40,
          completionTokens: 400,
        },
      ],
    });
    const sinces = [new Date(now - hour), new Date(now - 24 * hour), new Date(now - 168 * hour)];
    const windows = (await context.get(NetworkTrafficRepository).totalsSinceEach(sinces)).map((totals) =>
      totals.filter((t) => t.nodeId === busy || t.nodeId === old).sort((a) => (a.nodeId === busy ? -1 : 1)),
    );
    const busyAt = (requests: number, promptTokens: number, completionTokens: number) => ({
      nodeId: busy,
      requests,
      promptTokens,
      completionTokens,
    });
    expect(windows).toEqual([
      [busyAt(1, 10, 100)],
      [busyAt(3, 30, 300)],
      [busyAt(3, 30, 300), { nodeId: old, requests: 4, promptTokens: 40, completionTokens: 400 }],
    ]);
  });
});
