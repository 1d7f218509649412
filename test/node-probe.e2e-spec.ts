// Liveness probes (docs/network.md): a node counts only once the api has reached it at its registered URL and it
// signed a fresh challenge with its key. "Sybil" nodes registered and heartbeating from this file, at a closed port,
// at another node's URL, or at a server that signs probes with the wrong key, stay unhealthy: listed healthy: false,
// never routed to, and not counted toward a persona's minOperators.
import { PrismaService } from '@app/database';
import { RouterIdentity } from '@app/network';
import {
  newProbeRequest,
  ROUTER_HEADER,
  routerCredential,
  signHeartbeat,
  signRegistration,
  verifyProbeAnswer,
} from '@app/node-protocol';
import { Wallet, type HDNodeWallet } from 'ethers';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';
import { freePort } from './support/isolated-services';
import { buildNodeProcess, listNodes, NodeProcess, startNodeProcess } from './support/node-processes';
import { waitFor } from './support/wait-for';

const HEARTBEAT_MS = 500;
const MODEL_ID = 'embedded';

jest.setTimeout(60_000);

interface Sybil {
  id: string;
  key: Wallet | HDNodeWallet;
}

/** Answers probes with a well-formed answer signed by another key; counts what it is asked. */
async function startLiar(address: string): Promise<{ server: Server; url: string; asked: string[] }> {
  const asked: string[] = [];
  const impostor = Wallet.createRandom();
  const server = createServer((req, res) => {
    asked.push(req.url ?? '');
    req.resume();
    req.on('end', () => {
      void impostor.signMessage('twinproof node probe v1 (not this challenge)').then((signature) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ address, signature }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked };
}

describe('liveness probes keep heartbeating nodes that do not answer out (e2e)', () => {
  let api: ApiHarness;
  let prisma: PrismaService;
  let honest: NodeProcess;
  let sybilOperator: TestUser;
  let creator: TestUser;
  let consumer: TestUser;
  let liar: Awaited<ReturnType<typeof startLiar>>;
  const sybils: Sybil[] = [];
  let beating: NodeJS.Timeout | undefined;

  async function registerSybil(key: Wallet | HDNodeWallet, url: string): Promise<Sybil> {
    const issuedAt = Date.now();
    const signature = await signRegistration(key, {
      operatorUserId: sybilOperator.id,
      address: key.address,
      url,
      issuedAt,
    });
    const response = await request(api.url)
      .post('/v1/nodes')
      .set(sybilOperator.auth)
      .send({ address: key.address, name: 'sybil', url, modelIds: [MODEL_ID], issuedAt, signature })
      .expect(201);
    return { id: response.body.id as string, key };
  }

  // What a Sybil operator's script does: heartbeats, signed with each key, from somewhere other than the node's URL.
  async function heartbeatAll(): Promise<void> {
    await Promise.all(
      sybils.map(async ({ id, key }) => {
        const fields = { nodeId: id, at: Date.now(), status: 'active' as const, outstanding: 0 };
        const signature = await signHeartbeat(key, fields);
        await fetch(`${api.url}/v1/nodes/${id}/heartbeat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ at: fields.at, status: 'active', outstanding: 0, signature }),
        });
      }),
    );
  }

  beforeAll(async () => {
    buildNodeProcess();
    api = await startApi({ NODE_IN_PROCESS: 'false', NODE_HEARTBEAT_MS: String(HEARTBEAT_MS) });
    prisma = api.app.get(PrismaService);
    const [operator, other] = await Promise.all([signUp(api.url, 'operator'), signUp(api.url, 'operator')]);
    sybilOperator = other;
    [creator, consumer] = await Promise.all([signUp(api.url, 'creator'), signUp(api.url, 'consumer')]);
    // Resolves once GET /v1/nodes lists it healthy, which takes the api's probe.
    honest = await startNodeProcess(api.url, operator.apiKey, [
      ...['--model-id', MODEL_ID, '--heartbeat-ms', String(HEARTBEAT_MS)],
    ]);
    const liarKey = Wallet.createRandom();
    liar = await startLiar(liarKey.address);
    sybils.push(
      await registerSybil(Wallet.createRandom(), `http://127.0.0.1:${await freePort()}`),
      await registerSybil(Wallet.createRandom(), honest.url),
      await registerSybil(liarKey, liar.url),
    );
    await heartbeatAll();
    beating = setInterval(() => void heartbeatAll().catch(() => undefined), HEARTBEAT_MS / 2);
    // Every Sybil has been probed, and failed, at least once.
    await waitFor(async () => liar.asked.includes('/v1/probe'), 'the liar to be probed', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 3 * HEARTBEAT_MS));
  }, 90_000);

  afterAll(async () => {
    clearInterval(beating);
    for (const { id } of sybils)
      await request(api.url).delete(`/v1/nodes/${id}`).set(sybilOperator.auth).expect(204);
    await honest?.dispose();
    liar?.server.close();
    await api?.close();
  });

  it('makes a real node routable once its probe passed: probedAt set, and it serves the chat', async () => {
    const row = await prisma.node.findUniqueOrThrow({ where: { id: honest.listed.id } });
    expect(row.probedAt).not.toBeNull();
    expect(Date.now() - row.probedAt!.getTime()).toBeLessThan(3 * HEARTBEAT_MS);
    // A new registration (maybe at a new URL) is on probation again until the next probe passes.
    await prisma.node.update({ where: { id: honest.listed.id }, data: { probedAt: null } });
    await waitFor(
      async () => (await listNodes(api.url)).some((n) => n.id === honest.listed.id && n.healthy),
      'the honest node to be probed again',
      10_000,
    );

    const { slug } = await createPersona(api.url, creator, { name: 'Probed', modelId: MODEL_ID });
    const answer = await request(api.url)
      .post('/v1/chat/completions')
      .set(consumer.auth)
      .send({ model: slug, messages: [{ role: 'user', content: 'Hello?' }] })
      .expect(200);
    const inferenceId = (answer.body as { inference_id: string }).inference_id;
    const view = await request(api.url).get(`/v1/inferences/${inferenceId}`).set(consumer.auth).expect(200);
    expect(view.body.signer).toBe(honest.listed.address);
  });

  it('the node answers only the router’s probe for its own registration, signed by its key', async () => {
    const router = api.app.get(RouterIdentity);
    const { id, address } = honest.listed;
    const send = async (body: unknown, signed = true) => {
      const raw = JSON.stringify(body);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (signed) headers[ROUTER_HEADER] = await routerCredential(router, address, raw);
      return fetch(`${honest.url}/v1/probe`, { method: 'POST', headers, body: raw });
    };
    const probe = newProbeRequest(id);
    const answered = await send(probe);
    expect(answered.status).toBe(200);
    expect(verifyProbeAnswer(await answered.json(), { ...probe, address })).toEqual({ ok: true });
    expect((await send(probe, false)).status).toBe(401);
    expect((await send(newProbeRequest(randomUUID()))).status).toBe(409);
    expect((await send({ challenge: 'not hex', nodeId: id })).status).toBe(400);
  });

  it('lists heartbeating Sybils that fail their probe as active but not healthy', async () => {
    const listed = await listNodes(api.url);
    for (const sybil of sybils) {
      const node = listed.find((n) => n.id === sybil.id);
      expect(node).toMatchObject({ status: 'active', healthy: false });
      const row = await prisma.node.findUniqueOrThrow({ where: { id: sybil.id } });
      expect(row.probedAt).toBeNull();
      // Their heartbeats are accepted: the probe alone keeps them out.
      expect(Date.now() - row.lastHeartbeatAt!.getTime()).toBeLessThan(2 * HEARTBEAT_MS);
    }
    expect(listed.find((n) => n.id === honest.listed.id)).toMatchObject({ healthy: true });
  });

  it('never routes a reply to a Sybil: every reply is the real node’s, and the liar is asked nothing but probes', async () => {
    const { slug } = await createPersona(api.url, creator, { name: 'Routed', modelId: MODEL_ID });
    for (let i = 0; i < 4; i += 1) {
      const answer = await request(api.url)
        .post('/v1/chat/completions')
        .set(consumer.auth)
        .send({ model: slug, messages: [{ role: 'user', content: `Hello ${i}?` }] })
        .expect(200);
      const inferenceId = (answer.body as { inference_id: string }).inference_id;
      const view = await request(api.url).get(`/v1/inferences/${inferenceId}`).set(consumer.auth).expect(200);
      expect(view.body.signer).toBe(honest.listed.address);
    }
    expect(liar.asked.length).toBeGreaterThan(0);
    expect(liar.asked.filter((path) => path !== '/v1/probe')).toEqual([]);
  });

  it('does not count Sybils toward minOperators: a persona needing 2 operators stays NOT_ENOUGH_OPERATORS', async () => {
    const { slug } = await createPersona(api.url, creator, {
      name: 'Quorum',
      modelId: MODEL_ID,
      minOperators: 2,
    });
    const refused = await request(api.url)
      .post('/v1/chat/completions')
      .set(consumer.auth)
      .send({ model: slug, messages: [{ role: 'user', content: 'Anyone?' }] })
      .expect(503);
    expect(refused.body.error).toMatchObject({
      code: 'NOT_ENOUGH_OPERATORS',
      message: expect.stringContaining(
        'at least 2 independent operators serve its model (embedded); 1 do now',
      ) as unknown,
    });
  });
});
