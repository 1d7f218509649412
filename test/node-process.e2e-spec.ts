// A node process (apps/node) as an operator runs it, against the real api: it registers, serves the api's router
// with node-signed receipts, refuses calls without the router's credential and replays, and drains on SIGTERM.
import { INestApplication } from '@nestjs/common';
import { OpenAiStandIn, startOpenAiStandIn } from '@app/inference/testing/openai-stand-in';
import { RemoteNodeClient, RemoteNodeError, RouterIdentity, type NodeInferenceRequest } from '@app/network';
import {
  ROUTER_HEADER,
  routerCredential,
  signRegistration,
  toCompletionBody,
  verifyNodeReceipt,
} from '@app/node-protocol';
import { ZERO_DIGEST } from '@app/receipts';
import { Wallet, hexlify, randomBytes } from 'ethers';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import request from 'supertest';
import { createPersona, signUp, startApi, type ApiHarness, type TestUser } from './support/api-harness';
import { freePort } from './support/isolated-services';
import { listNodes } from './support/node-processes';
import { waitFor } from './support/wait-for';

const ROOT = join(__dirname, '..');
// Paced, so a reply is still streaming when SIGTERM arrives.
const MODEL_ID = 'embedded:ttft=50,tps=15';

jest.setTimeout(60_000);

interface ListedNode {
  id: string;
  name: string;
  address: string;
  status: string;
  healthy: boolean;
  modelIds: string[];
}

interface RunningNode {
  child: ChildProcess;
  apiUrl: string;
  operatorKey: string;
  url: string;
  listed: ListedNode;
  dataDir: string;
}

/** Spawns the built node process against the api and waits until the api lists it as healthy. */
async function startNode(apiUrl: string, operatorKey: string, args: string[]): Promise<RunningNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'twinproof-node-'));
  const port = await freePort();
  const name = `e2e-node-${randomUUID().slice(0, 8)}`;
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'dist/apps/node/src/main.js'),
      ...['--api', apiUrl, '--operator-key', operatorKey, ...args],
      ...['--listen', String(port), '--host', '127.0.0.1', '--name', name, '--data-dir', dataDir],
      ...['--heartbeat-ms', '200', '--drain-ms', '10000'],
    ],
    { env: { ...process.env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  let listed: ListedNode | undefined;
  await waitFor(
    async () => {
      const found: ListedNode | undefined = (await listNodes(apiUrl)).find((n) => n.name === name);
      if (found?.healthy) listed = found;
      return listed !== undefined;
    },
    'the node to register and heartbeat',
    30_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\nnode output:\n${output.join('')}`);
  });
  return { child, apiUrl, operatorKey, url: `http://127.0.0.1:${port}`, listed: listed!, dataDir };
}

/**
 * Revoked, then killed: the run shares one database, and a node listed as healthy would be routed to by the next test
 * file's api for three heartbeat intervals.
 */
async function stopNode(node: RunningNode | undefined): Promise<void> {
  if (!node) return;
  await request(node.apiUrl)
    .delete(`/v1/nodes/${node.listed.id}`)
    .set({ Authorization: `Bearer ${node.operatorKey}` })
    .catch(() => undefined);
  if (node.child.exitCode === null) node.child.kill('SIGKILL');
  rmSync(node.dataDir, { recursive: true, force: true });
}

describe('node process (e2e)', () => {
  let api: ApiHarness;
  let app: INestApplication;
  let embedded: RunningNode;
  let fronting: RunningNode;
  let upstream: OpenAiStandIn;
  let operator: TestUser;
  let node: ChildProcess;
  let nodeUrl: string;
  let listed: ListedNode;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    api = await startApi();
    app = api.app;
    operator = await signUp(api.url, 'operator');
    upstream = await startOpenAiStandIn();
    [embedded, fronting] = await Promise.all([
      startNode(api.url, operator.apiKey, ['--model-id', MODEL_ID]),
      startNode(api.url, operator.apiKey, [
        ...['--upstream', upstream.baseURL, '--upstream-key', 'sk-upstream'],
        ...['--upstream-model', 'llama-3-8b', '--model-id', 'llama3'],
      ]),
    ]);
    ({ child: node, url: nodeUrl, listed } = embedded);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([stopNode(embedded), stopNode(fronting)]);
    await upstream?.close();
    await api?.close();
  });

  function inference(modelId = MODEL_ID): NodeInferenceRequest {
    return {
      model: {
        modelId,
        messages: [
          { role: 'system', content: 'You are Ada, a patient teacher.' },
          { role: 'user', content: 'Tell me about the weather.' },
        ],
      },
      receipt: {
        inferenceId: randomUUID(),
        conversationId: randomUUID(),
        previousDigest: ZERO_DIGEST,
        personaVersionHash: hexlify(randomBytes(32)),
      },
    };
  }

  function client(): RemoteNodeClient {
    return new RemoteNodeClient(
      { id: listed.id, address: listed.address, url: nodeUrl },
      app.get(RouterIdentity),
    );
  }

  async function post(body: string, headers: Record<string, string>): Promise<Response> {
    return fetch(`${nodeUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  }

  it('registers with the api as its operator’s node and heartbeats', async () => {
    expect(listed).toMatchObject({ status: 'active', healthy: true, modelIds: [MODEL_ID] });
    const health = await fetch(`${nodeUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'active',
      nodeId: listed.id,
      address: listed.address,
    });
  });

  it('streams a reply to the api’s client whose node-signed receipt verifies against what was sent and received', async () => {
    const asked = inference();
    const stream = client().stream(asked, new AbortController().signal);
    let text = '';
    for await (const delta of stream) text += delta;
    expect(text.length).toBeGreaterThan(0);
    const receipt = await stream.receipt();
    expect(receipt.signer).toBe(listed.address);
    expect(() =>
      verifyNodeReceipt(receipt, {
        nodeAddress: listed.address,
        context: asked.receipt,
        modelId: MODEL_ID,
        messages: asked.model.messages,
        text,
      }),
    ).not.toThrow();
    // The same receipt does not verify for a text the api did not receive.
    expect(() =>
      verifyNodeReceipt(receipt, {
        nodeAddress: listed.address,
        context: asked.receipt,
        modelId: MODEL_ID,
        messages: asked.model.messages,
        text: `${text}!`,
      }),
    ).toThrow(/outputHash/);
  });

  it('refuses a call without the router credential, with another key’s, or with a stale one (401)', async () => {
    const body = JSON.stringify(toCompletionBody(inference()));
    expect((await post(body, {})).status).toBe(401);
    const forged = await routerCredential(Wallet.createRandom(), listed.address, body);
    expect((await post(body, { [ROUTER_HEADER]: forged })).status).toBe(401);
    const router = app.get(RouterIdentity);
    const stale = await routerCredential(router, listed.address, body, Date.now() - 120_000);
    expect((await post(body, { [ROUTER_HEADER]: stale })).status).toBe(401);
    // Signed for another body: the credential covers the bytes.
    const other = await routerCredential(router, listed.address, `${body} `);
    expect((await post(body, { [ROUTER_HEADER]: other })).status).toBe(401);
  });

  it('runs an inference once: the same signed request sent again is refused', async () => {
    const body = JSON.stringify(toCompletionBody(inference()));
    const header = await routerCredential(app.get(RouterIdentity), listed.address, body);
    const first = await post(body, { [ROUTER_HEADER]: header });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('twinproof.receipt');
    const replay = await post(body, { [ROUTER_HEADER]: header });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });

  it('fronts an OpenAI-compatible upstream under the model id personas name, and signs its reply', async () => {
    upstream.behave({ kind: 'reply', tokens: ['Hello', ' from', ' llama'] });
    const asked = inference('llama3');
    asked.model.temperature = 0.2;
    const stream = new RemoteNodeClient(
      { id: fronting.listed.id, address: fronting.listed.address, url: fronting.url },
      app.get(RouterIdentity),
    ).stream(asked, new AbortController().signal);
    let text = '';
    for await (const delta of stream) text += delta;
    expect(text).toBe('Hello from llama');
    expect(upstream.requests.at(-1)).toMatchObject({ model: 'llama-3-8b', temperature: 0.2, stream: true });
    expect(upstream.headers.at(-1)).toMatchObject({
      authorization: 'Bearer sk-upstream',
      // The upstream's logs can be matched with the api's and the node's.
      'x-request-id': asked.receipt.inferenceId,
    });
    const receipt = await stream.receipt();
    expect(() =>
      verifyNodeReceipt(receipt, {
        nodeAddress: fronting.listed.address,
        context: asked.receipt,
        modelId: 'llama3',
        messages: asked.model.messages,
        text,
      }),
    ).not.toThrow();
  });

  it('reports an upstream failure as a retryable error event without the upstream’s own text', async () => {
    upstream.behave({ kind: 'fail', status: 500 });
    const stream = new RemoteNodeClient(
      { id: fronting.listed.id, address: fronting.listed.address, url: fronting.url },
      app.get(RouterIdentity),
    ).stream(inference('llama3'), new AbortController().signal);
    const failure = await stream[Symbol.asyncIterator]()
      .next()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(RemoteNodeError);
    expect(failure).toMatchObject({ retryable: true, tokensArrived: false });
    expect((failure as Error).message).toMatch(/MODEL_FAILED: The model failed \(its server answered 500\)/);
  });

  it('learns from its heartbeat that its operator revoked it', async () => {
    await request(api.url).delete(`/v1/nodes/${fronting.listed.id}`).set(operator.auth).expect(204);
    await waitFor(async () => {
      const health = (await (await fetch(`${fronting.url}/health`)).json()) as { status: string };
      return health.status === 'revoked';
    }, 'the node to learn it was revoked');
  });

  it('on SIGTERM takes no new inferences, finishes the running one with its receipt, tells the api, and exits', async () => {
    const asked = inference();
    const stream = client().stream(asked, new AbortController().signal);
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    let text = first.value as string;
    const exited = new Promise<number | null>((resolve) => node.once('exit', (code) => resolve(code)));
    node.kill('SIGTERM');
    let health: { status?: string; outstanding?: number } = {};
    await waitFor(async () => {
      health = (await (await fetch(`${nodeUrl}/health`)).json()) as typeof health;
      return health.status === 'draining';
    }, 'the node to drain');
    // The reply was still running when the drain began.
    expect(health.outstanding).toBe(1);
    const refused = client().stream(inference(), new AbortController().signal);
    await expect(refused[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      status: 503,
      retryable: true,
    });
    await waitFor(async () => {
      return (await listNodes(api.url)).find((n) => n.id === listed.id)?.status === 'draining';
    }, 'the api to learn the node is draining');
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) text += next.value;
    const receipt = await stream.receipt();
    expect(() =>
      verifyNodeReceipt(receipt, {
        nodeAddress: listed.address,
        context: asked.receipt,
        modelId: MODEL_ID,
        messages: asked.model.messages,
        text,
      }),
    ).not.toThrow();
    expect(await exited).toBe(0);
  });
});

describe('a chat served by a node process (e2e)', () => {
  let api: ApiHarness;
  let node: RunningNode | undefined;
  let operator: TestUser;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    // Without the in-process node, only the node process can answer.
    api = await startApi({ NODE_IN_PROCESS: 'false' });
    operator = await signUp(api.url, 'operator');
    node = await startNode(api.url, operator.apiKey, ['--model-id', 'embedded']);
  }, 120_000);

  afterAll(async () => {
    await stopNode(node);
    await api?.close();
  });

  it('answers a consumer with a reply whose stored receipt the node signed', async () => {
    const [creator, consumer] = await Promise.all([signUp(api.url, 'creator'), signUp(api.url, 'consumer')]);
    const { slug } = await createPersona(api.url, creator, { name: 'Oracle', personality: 'calm' });
    const client = new OpenAI({ apiKey: consumer.apiKey, baseURL: `${api.url}/v1`, maxRetries: 0 });
    const reply = await client.chat.completions.create({
      model: slug,
      messages: [{ role: 'user', content: 'Hello!' }],
    });
    expect(reply.choices[0]?.message.content).toEqual(expect.stringContaining('Oracle'));
    const inferenceId = (reply as unknown as { inference_id: string }).inference_id;
    const bundle = await request(api.url)
      .get(`/v1/inferences/${inferenceId}/bundle`)
      .set(consumer.auth)
      .expect(200);
    expect(bundle.body.receipt.node).toBe(node!.listed.address);
  });

  it('tries the live node when the one it chose fails before its first token, invisibly to the consumer', async () => {
    // A registered node that answers every call 503, and counts them.
    let refusals = 0;
    const broken = createServer((_req, res) => {
      refusals += 1;
      res.writeHead(503).end();
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    const brokenKey = Wallet.createRandom();
    const url = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
    const issuedAt = Date.now();
    const signature = await signRegistration(brokenKey, {
      operatorUserId: operator.id,
      address: brokenKey.address,
      url,
      issuedAt,
    });
    const registered = await request(api.url)
      .post('/v1/nodes')
      .set(operator.auth)
      .send({ address: brokenKey.address, name: 'broken', url, modelIds: ['embedded'], issuedAt, signature })
      .expect(201);
    // The router reads the registered nodes at most once a second.
    await sleep(1_100);
    try {
      const [creator, consumer] = await Promise.all([
        signUp(api.url, 'creator'),
        signUp(api.url, 'consumer'),
      ]);
      const { slug } = await createPersona(api.url, creator, { name: 'Oracle', personality: 'calm' });
      const client = new OpenAI({ apiKey: consumer.apiKey, baseURL: `${api.url}/v1`, maxRetries: 0 });
      for (let i = 0; i < 3; i += 1) {
        const reply = await client.chat.completions.create({
          model: slug,
          messages: [{ role: 'user', content: `Hello ${i}!` }],
        });
        expect(reply.choices[0]?.message.content).toEqual(expect.stringContaining('Oracle'));
      }
      // The broken node was chosen (an untried node's time to first token counts as the lowest) and passed over.
      expect(refusals).toBeGreaterThan(0);
    } finally {
      await request(api.url)
        .delete(`/v1/nodes/${(registered.body as { id: string }).id}`)
        .set(operator.auth);
      broken.closeAllConnections();
      await new Promise((resolve) => broken.close(resolve));
    }
  });
});
