import { INestApplicationContext, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import {
  parseProbeRequest,
  ROUTER_HEADER,
  signProbeAnswer,
  verifyRouterCredential,
} from '@app/node-protocol';
import { createContext, dbFactory } from '@app/testing';
import { type HDNodeWallet, Wallet } from 'ethers';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NodesRepository } from '../nodes.repository';
import type { RouterIdentity } from '../router-identity';
import { NodeProber, PROBE_CONCURRENCY } from './node-prober';
import { probeNode } from './node-prober-call';

const HEARTBEAT_MS = 1_000;

/** Node servers for many keys on one port: each answers as `mode` says, after `delayMs`. */
class FakeNodes {
  readonly keys = new Map<string, { key: HDNodeWallet; mode: 'sign' | 'wrong-key' }>();
  readonly asked: string[] = [];
  credentialsOk = true;
  delayMs = 0;
  inFlight = 0;
  maxInFlight = 0;
  private server?: Server;

  constructor(private readonly routerAddress: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => void this.answer(req.headers[ROUTER_HEADER] as string, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): void {
    this.server?.close();
  }

  private async answer(header: string, raw: Buffer, res: import('node:http').ServerResponse): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.inFlight -= 1;
    const probe = parseProbeRequest(JSON.parse(raw.toString()));
    const node = probe && this.keys.get(probe.nodeId);
    if (!probe || !node) return void res.writeHead(404).end();
    this.asked.push(probe.nodeId);
    const credential = verifyRouterCredential(header, {
      nodeAddress: node.key.address,
      routerAddress: this.routerAddress,
      rawBody: raw,
    });
    if (!credential.ok) this.credentialsOk = false;
    const signer = node.mode === 'sign' ? node.key : Wallet.createRandom();
    const answer = await signProbeAnswer(signer, probe);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ...answer, address: node.key.address }));
  }
}

/** A tarpit, as a Sybil node may be: it accepts every connection and request, and never answers. */
class SilentServer {
  requests = 0;
  private readonly server = createServer(() => void (this.requests += 1));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}

// jest gives no `gc`; the flag set at run time exposes it to contexts made afterwards (as test/event-loop does).
function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('NodeProber (PostgreSQL, HTTP)', () => {
  let context: INestApplicationContext;
  let repository: NodesRepository;
  let prisma: PrismaService;
  let operatorId: string;
  let prober: NodeProber;
  let fake: FakeNodes;
  let url: string;
  let silent: SilentServer;
  let silentUrl: string;
  const created: string[] = [];
  const router = Wallet.createRandom();

  beforeAll(async () => {
    context = await createContext([], [NodesRepository]);
    repository = context.get(NodesRepository);
    prisma = context.get(PrismaService);
    operatorId = (await dbFactory.user(prisma)).id;
    const config = AppConfig.fromProcessEnv({ NODE_HEARTBEAT_MS: String(HEARTBEAT_MS) });
    prober = new NodeProber(config, repository, router as unknown as RouterIdentity);
    fake = new FakeNodes(router.address);
    url = await fake.start();
    silent = new SilentServer();
    silentUrl = await silent.start();
  });
  // Other files' apis share this database: these nodes must not outlive the file.
  afterAll(async () => {
    await prisma.node.updateMany({ where: { id: { in: created } }, data: { status: 'revoked' } });
    fake.stop();
    silent.stop();
    await prober.onModuleDestroy();
    await context.close();
  });
  afterEach(() => jest.restoreAllMocks());

  async function node(mode: 'sign' | 'wrong-key' = 'sign', at = url) {
    const key = Wallet.createRandom();
    const saved = await repository.saveOperatorNode(null, {
      address: key.address,
      name: 'probed',
      url: at,
      // A model no persona names: no api routes to these nodes.
      modelIds: ['prober-spec'],
      attestationKind: 'dev',
      attestation: {},
      measurement: null,
      operatorId,
      region: null,
      provider: null,
      teeKind: 'dev',
    });
    created.push(saved.id);
    fake.keys.set(saved.id, { key, mode });
    return saved;
  }

  const probedAt = async (id: string) => (await repository.findById(id))?.probedAt ?? null;

  it('records a probe answered by the node key, sent with a router credential for that node', async () => {
    const good = await node();
    const before = Date.now();
    await prober.round();
    expect((await probedAt(good.id))?.getTime()).toBeGreaterThanOrEqual(before);
    expect(fake.credentialsOk).toBe(true);
    // Probed a moment ago: not due again within the interval.
    const asked = fake.asked.length;
    await prober.round();
    expect(fake.asked.length).toBe(asked);
  });

  it('leaves a node signing with another key unprobed, warns once per streak, retries after 1 then 2 intervals', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const liar = await node('wrong-key');
    const closed = await node('sign', 'http://127.0.0.1:9');
    const timesAsked = () => fake.asked.filter((id) => id === liar.id).length;
    const warnedAbout = (id: string) => warn.mock.calls.filter(([m]) => String(m).includes(id)).length;

    await prober.round();
    await prober.round();
    expect(timesAsked()).toBe(1);
    expect(await probedAt(liar.id)).toBeNull();
    expect(await probedAt(closed.id)).toBeNull();
    expect(warnedAbout(liar.id)).toBe(1);
    expect(warnedAbout(closed.id)).toBe(1);
    expect(warn.mock.calls.find(([m]) => String(m).includes(liar.id))?.[0]).toContain(
      'not signed by the node key',
    );

    // Still heartbeating, as a Sybil would: only the probe keeps it out.
    await repository.recordHeartbeat(liar.id, 'active');
    await prober.round(Date.now() + HEARTBEAT_MS + 1);
    expect(timesAsked()).toBe(2);
    expect(warnedAbout(liar.id)).toBe(1);
    // Failed twice: the next try waits two intervals.
    await prober.round(Date.now() + HEARTBEAT_MS + 1);
    expect(timesAsked()).toBe(2);

    fake.keys.set(liar.id, { ...fake.keys.get(liar.id)!, mode: 'sign' });
    await repository.recordHeartbeat(liar.id, 'active');
    await prober.round(Date.now() + 2 * HEARTBEAT_MS + 2);
    expect(await probedAt(liar.id)).not.toBeNull();
    expect(log.mock.calls.filter(([m]) => String(m).includes(`${liar.id} answers`))).toHaveLength(1);
  });

  it(`probes at most ${PROBE_CONCURRENCY} nodes at once, and the rest in the next round`, async () => {
    const many = await Promise.all(Array.from({ length: PROBE_CONCURRENCY + 4 }, () => node()));
    fake.delayMs = 200;
    fake.maxInFlight = 0;
    expect(await prober.round()).toBe(PROBE_CONCURRENCY);
    await prober.round();
    fake.delayMs = 0;
    expect(fake.maxInFlight).toBeLessThanOrEqual(PROBE_CONCURRENCY);
    expect(fake.maxInFlight).toBeGreaterThan(1);
    for (const { id } of many) expect(await probedAt(id)).not.toBeNull();
  });

  it('ends a probe of a node that never answers at its timeout, though GC runs while it waits', async () => {
    const gc = gcFunction();
    const target = await node('sign', silentUrl);
    const collecting = setInterval(gc, 20);
    const started = Date.now();
    try {
      // Many at once, as a round of Sybil nodes: with AbortSignal.any(timeout) most never ended (nodejs/node#57736).
      const outcomes = await Promise.race([
        Promise.all(Array.from({ length: 40 }, () => probeNode(target, router, 1_000))),
        new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 6_000).unref()),
      ]);
      expect(outcomes).not.toBe('hung');
      for (const outcome of outcomes as { ok: boolean }[]) expect(outcome.ok).toBe(false);
    } finally {
      clearInterval(collecting);
    }
    expect(Date.now() - started).toBeLessThan(4_000);
    await repository.revoke(target.id);
    // They reached the server (those signed in time): the timeout ended them, not a refused connection.
    expect(silent.requests).toBeGreaterThan(0);
  });

  it('ends a round of nodes that never answer within its deadline, and the next round runs', async () => {
    const gc = gcFunction();
    const tarpits = await Promise.all(Array.from({ length: 5 }, () => node('sign', silentUrl)));
    const collecting = setInterval(gc, 20);
    try {
      const started = Date.now();
      await prober.round();
      // The timeout is min(NODE_HEARTBEAT_MS, 2 s): one interval, plus the round's grace, plus slack for a busy box.
      expect(Date.now() - started).toBeLessThan(HEARTBEAT_MS + 1_500);
    } finally {
      clearInterval(collecting);
    }
    for (const { id } of tarpits) expect(await probedAt(id)).toBeNull();
    for (const { id } of tarpits) await repository.revoke(id);
  });

  it("keeps an honest node healthy while two operators' silent nodes flood the prober", async () => {
    // Long enough that a probe's timeout (min(interval, 2 s)) is below an interval, as with the default 5 s.
    const heartbeatMs = 2_500;
    const config = AppConfig.fromProcessEnv({ NODE_HEARTBEAT_MS: String(heartbeatMs) });
    const running = new NodeProber(config, repository, router as unknown as RouterIdentity);
    const honestOperator = operatorId;
    const sybilNode = async (sybil: string) => {
      const saved = await node('sign', silentUrl);
      await prisma.node.update({ where: { id: saved.id }, data: { operatorId: sybil } });
      return saved;
    };
    const [a, b] = [(await dbFactory.user(prisma)).id, (await dbFactory.user(prisma)).id];
    const sybils = [
      ...(await Promise.all(Array.from({ length: 150 }, () => sybilNode(a)))),
      ...(await Promise.all(Array.from({ length: 50 }, () => sybilNode(b)))),
    ];
    const honest = await node();
    expect(honest.operatorId).toBe(honestOperator);
    const ids = [...sybils, honest].map((n) => n.id);
    // Everyone heartbeats, as the attacker's nodes do: only the probe tells them apart.
    const beat = () =>
      prisma.node.updateMany({ where: { id: { in: ids } }, data: { lastHeartbeatAt: new Date() } });
    await beat();
    const requestsBefore = silent.requests;
    running.onApplicationBootstrap();
    try {
      const sleep = () => new Promise((resolve) => setTimeout(resolve, 250));
      // Its first probe: a new node shares the probation lane, round-robin across operators.
      for (let tries = 0; !(await probedAt(honest.id)) && tries < 20; tries += 1) await sleep();
      const ages: number[] = [];
      const until = Date.now() + 3 * heartbeatMs;
      for (let sample = 0; Date.now() < until; sample += 1) {
        await sleep();
        if (sample % 4 === 0) await beat();
        const at = await probedAt(honest.id);
        ages.push(at ? Date.now() - at.getTime() : Infinity);
      }
      // Due one interval after its last probe, it goes first in the next round, which waits for the round in flight
      // (one probe deadline, 2.25 s). Starved, it would reach 3 intervals (7.5 s) and lapse: the 1.25 s margin on each
      // side keeps a busy machine from deciding.
      expect(Math.max(...ages)).toBeLessThan(2 * heartbeatMs + 1_000);
      // The tarpits were really probed meanwhile (they are not merely skipped).
      expect(silent.requests - requestsBefore).toBeGreaterThan(64);
    } finally {
      await running.onModuleDestroy();
      await prisma.node.updateMany({ where: { id: { in: ids } }, data: { status: 'revoked' } });
    }
  }, 30_000);
});
