import { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@app/database';
import { createContext, dbFactory } from '@app/testing';
import { Wallet } from 'ethers';
import { NodeAddressTakenError, NodeNotFoundError, NodeRevokedError } from './nodes.errors';
import { NodesRepository, OperatorNodeRegistration } from './nodes.repository';
import { NodeSuspectError } from './spot-check/node-suspect.error';

describe('NodesRepository (PostgreSQL)', () => {
  let context: INestApplicationContext;
  let repository: NodesRepository;
  let prisma: PrismaService;
  let operatorId: string;

  beforeAll(async () => {
    context = await createContext([], [NodesRepository]);
    repository = context.get(NodesRepository);
    prisma = context.get(PrismaService);
    operatorId = (await dbFactory.user(prisma)).id;
  });
  afterAll(() => context.close());

  const registration = (overrides: Partial<OperatorNodeRegistration> = {}): OperatorNodeRegistration => ({
    address: Wallet.createRandom().address,
    name: 'box',
    url: 'http://127.0.0.1:4100',
    // A model no persona names: other files' apis share this database and must not route to these nodes.
    modelIds: ['repository-spec'],
    attestationKind: 'dev',
    attestation: { kind: 'dev', document: 'doc' },
    measurement: null,
    operatorId,
    region: null,
    provider: null,
    teeKind: 'dev',
    ...overrides,
  });

  it('lets one of two concurrent first registrations of an address win; the other is told it is taken', async () => {
    const node = registration();
    const results = await Promise.allSettled([
      repository.saveOperatorNode(null, node),
      repository.saveOperatorNode(null, node),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(NodeAddressTakenError);
  });

  it('refreshes a registration in place, and never revives a node revoked meanwhile', async () => {
    const first = await repository.saveOperatorNode(null, registration());
    const refreshed = await repository.saveOperatorNode(
      first,
      registration({ address: first.address, url: 'http://b' }),
    );
    expect(refreshed).toMatchObject({ id: first.id, url: 'http://b', status: 'active' });

    await repository.revoke(first.id);
    await expect(
      repository.saveOperatorNode(refreshed, registration({ address: first.address })),
    ).rejects.toBeInstanceOf(NodeRevokedError);
    expect((await repository.findById(first.id))?.status).toBe('revoked');
  });

  it('records heartbeats, but a heartbeat racing a revocation does not bring the node back', async () => {
    const node = await repository.saveOperatorNode(null, registration());
    await prisma.node.update({ where: { id: node.id }, data: { lastHeartbeatAt: new Date(0) } });
    const old = new Date(Date.now() - 9 * 24 * 3_600_000);
    await prisma.nodeHeartbeat.create({ data: { nodeId: node.id, at: old } });
    const beat = await repository.recordHeartbeat(node.id, 'draining', 3);
    expect(beat?.status).toBe('draining');
    expect(beat?.lastHeartbeatAt?.getTime()).toBeGreaterThan(Date.now() - 10_000);
    // One row per heartbeat, for uptime; rows past the retention go as the node beats.
    const rows = await prisma.nodeHeartbeat.findMany({ where: { nodeId: node.id } });
    expect(rows).toEqual([expect.objectContaining({ outstanding: 3, at: beat?.lastHeartbeatAt })]);

    await repository.revoke(node.id);
    expect(await repository.recordHeartbeat(node.id, 'active')).toBeNull();
    expect((await repository.findById(node.id))?.status).toBe('revoked');
    expect(await prisma.nodeHeartbeat.count({ where: { nodeId: node.id } })).toBe(1);
  });

  it('offers the router only active nodes that an operator registered', async () => {
    const active = await repository.saveOperatorNode(null, registration());
    const draining = await repository.saveOperatorNode(null, registration());
    await repository.recordHeartbeat(draining.id, 'draining');
    const revoked = await repository.saveOperatorNode(null, registration());
    await repository.revoke(revoked.id);
    const { address, name, modelIds, attestationKind, attestation, measurement } = registration();
    const inProcess = await repository.register({
      address,
      name,
      url: 'in-process',
      modelIds,
      attestationKind,
      attestation,
      measurement,
    });

    const ids = (await repository.listRoutable()).map((node) => node.id);
    expect(ids).toContain(active.id);
    expect(ids).not.toContain(draining.id);
    expect(ids).not.toContain(revoked.id);
    expect(ids).not.toContain(inProcess.id);
    // The run's later files share this database: an active node without an operator counts as healthy for them.
    for (const node of [active, draining, inProcess]) await repository.revoke(node.id);
  });

  it('keeps a suspect node suspect: its heartbeats are recorded, re-registering the key does not clear it', async () => {
    const node = await repository.saveOperatorNode(null, registration());
    await prisma.node.update({
      where: { id: node.id },
      data: { status: 'suspect', lastHeartbeatAt: new Date(0) },
    });
    const beat = await repository.recordHeartbeat(node.id, 'active');
    expect(beat?.status).toBe('suspect');
    expect(beat?.lastHeartbeatAt?.getTime()).toBeGreaterThan(Date.now() - 10_000);
    await expect(
      repository.saveOperatorNode(node, registration({ address: node.address })),
    ).rejects.toBeInstanceOf(NodeSuspectError);
    const { name, modelIds, attestationKind, attestation, measurement } = registration();
    const again = await repository.register({
      address: node.address,
      name,
      url: 'in-process',
      modelIds,
      attestationKind,
      attestation,
      measurement,
    });
    expect(again.status).toBe('suspect');
    expect((await repository.listRoutable()).map((n) => n.id)).not.toContain(node.id);
    // Revoking stays possible.
    expect((await repository.revoke(node.id)).status).toBe('revoked');
  });

  it('records a probe only for the registration probed, and every re-registration waits for a new one', async () => {
    const node = await repository.saveOperatorNode(null, registration());
    expect(node.probedAt).toBeNull();
    const at = new Date();
    expect(await repository.recordProbe(node, at)).toBe(true);
    expect((await repository.findById(node.id))?.probedAt).toEqual(at);

    const moved = await repository.saveOperatorNode(
      node,
      registration({ address: node.address, url: 'http://127.0.0.1:4101' }),
    );
    expect(moved.probedAt).toBeNull();
    // The answer of a probe sent to the old URL while the node moved vouches for nothing now.
    expect(await repository.recordProbe(node, new Date())).toBe(false);
    expect((await repository.findById(node.id))?.probedAt).toBeNull();
    // Same URL again: still a fresh registration, probed again.
    expect(await repository.recordProbe(moved, at)).toBe(true);
    const again = await repository.saveOperatorNode(
      moved,
      registration({ address: node.address, url: moved.url }),
    );
    expect(again.probedAt).toBeNull();
    await repository.revoke(node.id);
    expect(await repository.recordProbe(again, new Date())).toBe(false);
  });

  const dueQuery = (now: number, skipIds: string[] = [], failingIds: string[] = []) => ({
    probedBefore: new Date(now - 1_000),
    healthySince: new Date(now - 3_000),
    heartbeatSince: new Date(now - 30_000),
    skipIds,
    failingIds,
    limit: 10_000,
    perOperator: 10_000,
  });

  it('lists due nodes in two lanes: healthy ones soonest to lapse first, never probed or lapsed ones apart', async () => {
    const now = Date.now();
    const fresh = await repository.saveOperatorNode(null, registration());
    const lapsed = await repository.saveOperatorNode(null, registration());
    const lapsingLater = await repository.saveOperatorNode(null, registration());
    const lapsingSoon = await repository.saveOperatorNode(null, registration());
    const probedJustNow = await repository.saveOperatorNode(null, registration());
    const silent = await repository.saveOperatorNode(null, registration());
    const skipped = await repository.saveOperatorNode(null, registration());
    const revoked = await repository.saveOperatorNode(null, registration());
    await repository.recordProbe(lapsed, new Date(now - 60_000));
    await repository.recordProbe(lapsingLater, new Date(now - 1_500));
    await repository.recordProbe(lapsingSoon, new Date(now - 2_500));
    await repository.recordProbe(probedJustNow, new Date(now));
    await prisma.node.update({ where: { id: silent.id }, data: { lastHeartbeatAt: new Date(now - 60_000) } });
    await repository.revoke(revoked.id);

    const { lapsing, probation } = await repository.listDueProbe(dueQuery(now, [skipped.id]));
    const mine = (nodes: { id: string }[]) =>
      nodes
        .map((n) => n.id)
        .filter((id) => [fresh, lapsed, lapsingLater, lapsingSoon].some((m) => m.id === id));
    expect(mine(lapsing)).toEqual([lapsingSoon.id, lapsingLater.id]);
    expect(mine(probation)).toEqual([fresh.id, lapsed.id]);
    for (const id of [probedJustNow.id, silent.id, skipped.id, revoked.id])
      expect([...lapsing, ...probation].map((n) => n.id)).not.toContain(id);
    for (const n of [fresh, lapsed, lapsingLater, lapsingSoon, probedJustNow, silent, skipped])
      await repository.revoke(n.id);
  });

  it("ranks probation nodes within each operator: one operator's many nodes do not push out another's", async () => {
    const now = Date.now();
    // Operators of their own: nodes left by other tests must not take the ranks.
    const crowdId = (await dbFactory.user(prisma)).id;
    const crowd = await Promise.all(
      [1, 2, 3].map(() => repository.saveOperatorNode(null, registration({ operatorId: crowdId }))),
    );
    const otherId = (await dbFactory.user(prisma)).id;
    const other = await repository.saveOperatorNode(null, registration({ operatorId: otherId }));
    const ids = [...crowd, other].map((n) => n.id);

    const { probation } = await repository.listDueProbe({ ...dueQuery(now), perOperator: 2 });
    const mine = probation.map((n) => n.id).filter((id) => ids.includes(id));
    // Two of the crowd at most, and the other operator's node among the first two.
    expect(mine).toHaveLength(3);
    expect(mine.slice(0, 2)).toContain(other.id);
    for (const id of ids) await repository.revoke(id);
  });

  it('ranks failing nodes after the rest: many operators’ old failing nodes do not keep a new node out', async () => {
    const now = Date.now();
    // The attacker's re-check: 32+ operators, each with a node older than the victim's that never answers.
    const failingNodes = [];
    for (let i = 0; i < 6; i += 1) {
      const sybil = (await dbFactory.user(prisma)).id;
      failingNodes.push(await repository.saveOperatorNode(null, registration({ operatorId: sybil })));
    }
    const victim = await repository.saveOperatorNode(
      null,
      registration({ operatorId: (await dbFactory.user(prisma)).id }),
    );
    const failingIds = failingNodes.map((n) => n.id);
    // Other files' nodes share the database: only the order of these seven is this test's (a LIMIT keeps the first).
    const { probation } = await repository.listDueProbe(dueQuery(now, [], failingIds));
    const mine = probation.map((n) => n.id).filter((id) => id === victim.id || failingIds.includes(id));
    expect(mine[0]).toBe(victim.id);
    expect(mine).toHaveLength(7);
    for (const n of [...failingNodes, victim]) await repository.revoke(n.id);
  });

  it('says which node it cannot revoke', async () => {
    await expect(repository.revoke('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(
      NodeNotFoundError,
    );
  });
});
