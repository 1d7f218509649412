import { INestApplicationContext } from '@nestjs/common';
import { DevAttestationAuthority, devMeasurement } from '@app/attestation';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { ModelRegistry } from '@app/inference';
import { createContext, dbFactory } from '@app/testing';
import { Wallet } from 'ethers';
import { randomBytes } from 'node:crypto';
import type { NodeInferenceRequest, NodeStream } from '../inference-node';
import type { LocalNode } from '../local-node';
import { NodesRepository } from '../nodes.repository';
import { NodeDirectory } from './node-directory';
import { NodeRouter } from './node-router';
import { IN_PROCESS_KEY } from './node-target';
import type { RemoteNodeConnector } from './remote-node-connector';

describe('NodeDirectory and NodeRouter over the registry (PostgreSQL)', () => {
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
  const created: string[] = [];
  // Other files' apis share this database: nodes that serve `embedded` and listen nowhere must not outlive the file.
  afterAll(async () => {
    await prisma.node.updateMany({ where: { id: { in: created } }, data: { status: 'revoked' } });
    await context.close();
  });

  const connector: RemoteNodeConnector = {
    connect: () => ({ stream: () => ({}) as NodeStream }),
  };
  const local = { stream: () => ({}) as NodeStream } as unknown as LocalNode;

  // The authority the directories below trust (as the worker would, through TRUSTED_DEV_AUTHORITIES).
  const trusted = DevAttestationAuthority.random();
  const MEASUREMENT = devMeasurement('twinproof/node/v1');

  function directory(env: Record<string, string> = {}, own = local) {
    const config = AppConfig.fromProcessEnv({
      NODE_HEARTBEAT_MS: '1000',
      TRUSTED_DEV_AUTHORITIES: trusted.address,
      ...env,
    });
    return {
      config,
      directory: new NodeDirectory(config, repository, new ModelRegistry(), connector, own),
    };
  }

  interface Evidence {
    authority?: DevAttestationAuthority;
    validForMs?: number;
    issuedAt?: Date;
    measurement?: string;
  }

  async function evidence(address: string, given: Evidence = {}) {
    const document = await (given.authority ?? trusted).issue({
      nodeAddress: address,
      measurement: given.measurement ?? MEASUREMENT,
      validForMs: given.validForMs ?? 3_600_000,
      issuedAt: given.issuedAt,
    });
    return { kind: 'dev', document };
  }

  async function node(modelIds: string[], lastHeartbeatAt = new Date(), attested: Evidence = {}) {
    const address = Wallet.createRandom().address;
    const saved = await repository.saveOperatorNode(null, {
      address,
      name: 'box',
      url: 'http://127.0.0.1:4100',
      modelIds,
      attestationKind: 'dev',
      attestation: await evidence(address, attested),
      measurement: attested.measurement ?? MEASUREMENT,
      operatorId,
      region: null,
      provider: null,
      teeKind: 'dev',
    });
    created.push(saved.id);
    // Heartbeating and answering the router's liveness probe: healthy unless the test says otherwise.
    await prisma.node.update({
      where: { id: saved.id },
      data: { lastHeartbeatAt, probedAt: lastHeartbeatAt },
    });
    return saved.id;
  }

  const uniqueModel = () => `model-${randomBytes(4).toString('hex')}`;

  it('offers registered nodes that serve the model and heartbeat within 3 intervals, and nothing else', async () => {
    const model = uniqueModel();
    const fresh = await node([model]);
    const otherModel = await node([uniqueModel()]);
    const stale = await node([model], new Date(Date.now() - 3_500));
    const draining = await node([model]);
    await repository.recordHeartbeat(draining, 'draining');
    const revoked = await node([model]);
    await repository.revoke(revoked);
    const suspect = await node([model]);
    await prisma.node.update({ where: { id: suspect }, data: { status: 'suspect' } });

    const keys = (await directory().directory.candidates(model)).map((target) => target.key);
    expect(keys).toEqual([fresh]);
    expect(keys).not.toContain(otherModel);
    expect(keys).not.toContain(stale);
  });

  it('offers the in-process node first for a model this api runs, and only while NODE_IN_PROCESS is on', async () => {
    const embedded = await node(['embedded']);
    const on = (await directory().directory.candidates('embedded')).map((target) => target.key);
    expect(on[0]).toBe(IN_PROCESS_KEY);
    expect(on).toContain(embedded);
    const off = (await directory({ NODE_IN_PROCESS: 'false' }).directory.candidates('embedded')).map(
      (t) => t.key,
    );
    expect(off).not.toContain(IN_PROCESS_KEY);
    expect(off).toContain(embedded);
    expect((await directory().directory.candidates(uniqueModel())).map((t) => t.key)).not.toContain(
      IN_PROCESS_KEY,
    );
  });

  it('routes around the in-process node once a spot check made it suspect', async () => {
    const address = Wallet.createRandom().address;
    const saved = await repository.register({
      address,
      name: 'local',
      url: 'in-process',
      modelIds: [],
      attestationKind: 'dev',
      attestation: await evidence(address),
      measurement: MEASUREMENT,
    });
    created.push(saved.id);
    const own = { address, stream: () => ({}) as NodeStream } as unknown as LocalNode;
    const fresh = () => directory({}, own).directory;
    expect((await fresh().candidates('embedded')).map((t) => t.key)).toContain(IN_PROCESS_KEY);
    await prisma.node.update({ where: { id: saved.id }, data: { status: 'suspect' } });
    expect((await fresh().candidates('embedded')).map((t) => t.key)).not.toContain(IN_PROCESS_KEY);
  });

  it('reads the registry again within a heartbeat interval, so a node heartbeating on time never looks stale', async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const model = uniqueModel();
    const { directory: nodes } = directory({ NODE_HEARTBEAT_MS: '300' });
    const id = await node([model]);
    await sleep(250);
    expect((await nodes.candidates(model)).map((t) => t.key)).toEqual([id]);
    await sleep(250);
    await repository.recordHeartbeat(id, 'active');
    // The router's liveness probe answered at the same time (docs/network.md, Liveness probes).
    await prisma.node.update({ where: { id }, data: { probedAt: new Date() } });
    await sleep(450);
    // Its heartbeat read 700 ms ago is 950 ms old (stale at 3 × 300 ms); the one it sent 450 ms ago is not.
    expect((await nodes.candidates(model)).map((t) => t.key)).toEqual([id]);
  });

  it('fails a reply with UNAVAILABLE when the only node serving the model has stopped heartbeating', async () => {
    const model = uniqueModel();
    await node([model], new Date(Date.now() - 60_000));
    const { config, directory: nodes } = directory({ NODE_IN_PROCESS: 'false' });
    const router = new NodeRouter(config, nodes);
    const request: NodeInferenceRequest = {
      model: { modelId: model, messages: [{ role: 'user', content: 'hi' }] },
      receipt: { inferenceId: 'i', conversationId: 'c', previousDigest: '0x', personaVersionHash: '0x' },
    };
    const stream = router.stream(request, new AbortController().signal)[Symbol.asyncIterator]();
    await expect(stream.next()).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
  });

  describe('attestation (issue 11: a node whose attestation is stale or not allowed is routed around)', () => {
    const keys = async (nodes: NodeDirectory, model: string, now = Date.now()) =>
      (await nodes.candidates(model, now)).map((target) => target.key);

    it('offers only nodes whose attestation verifies: not an untrusted authority’s, an expired one, nor a measurement outside the allow-list', async () => {
      const model = uniqueModel();
      const good = await node([model]);
      const untrusted = await node([model], new Date(), { authority: DevAttestationAuthority.random() });
      const expired = await node([model], new Date(), {
        issuedAt: new Date(Date.now() - 120_000),
        validForMs: 60_000,
      });
      const otherBuild = await node([model], new Date(), { measurement: devMeasurement('twinproof/other') });
      const unsigned = await node([model]);
      await prisma.node.update({
        where: { id: unsigned },
        data: { attestation: { kind: 'dev', document: 'not a document' } },
      });

      const offered = await keys(directory().directory, model);
      expect(offered).toContain(good);
      expect(offered).toContain(otherBuild); // no allow-list: measurements are reported, not enforced
      expect(offered).not.toContain(untrusted);
      expect(offered).not.toContain(expired);
      expect(offered).not.toContain(unsigned);

      const allowList = directory({ ALLOWED_MEASUREMENTS: MEASUREMENT }).directory;
      expect(await keys(allowList, model)).toEqual([good]);
    });

    it('offers a routed-around node again as soon as it registers with good evidence', async () => {
      const model = uniqueModel();
      const id = await node([model], new Date(), { authority: DevAttestationAuthority.random() });
      const { directory: nodes } = directory();
      expect(await keys(nodes, model)).toEqual([]);

      // Registering again (the api issues new evidence) takes effect at the next directory read, not in a minute.
      const row = await prisma.node.findUniqueOrThrow({ where: { id } });
      await repository.saveOperatorNode(row, {
        address: row.address,
        name: row.name,
        url: row.url,
        modelIds: row.modelIds,
        attestationKind: 'dev',
        attestation: await evidence(row.address),
        measurement: MEASUREMENT,
        operatorId,
        region: null,
        provider: null,
        teeKind: 'dev',
      });
      await prisma.node.update({ where: { id }, data: { probedAt: new Date() } });
      expect(await keys(nodes, model, Date.now() + 2_000)).toEqual([id]);
    });

    it('routes around the in-process node when its stored attestation does not verify', async () => {
      const address = Wallet.createRandom().address;
      const saved = await repository.register({
        address,
        name: 'local',
        url: 'in-process',
        modelIds: [],
        attestationKind: 'dev',
        attestation: await evidence(address, { authority: DevAttestationAuthority.random() }),
        measurement: MEASUREMENT,
      });
      created.push(saved.id);
      const own = { address, stream: () => ({}) as NodeStream } as unknown as LocalNode;
      expect(await keys(directory({}, own).directory, 'embedded')).not.toContain(IN_PROCESS_KEY);
      await prisma.node.update({
        where: { id: saved.id },
        data: { attestation: await evidence(address) },
      });
      expect(await keys(directory({}, own).directory, 'embedded')).toContain(IN_PROCESS_KEY);
    });
  });
});
