// A node process (apps/node) as an operator runs it, against the real api: it registers, serves the api's router
// with node-signed receipts, refuses calls without the router's credential and replays, and drains on SIGTERM.
import { INestApplication } from '@nestjs/common';
import { RemoteNodeClient, RouterIdentity, type NodeInferenceRequest } from '@app/network';
import { ROUTER_HEADER, routerCredential, toCompletionBody, verifyNodeReceipt } from '@app/node-protocol';
import { ZERO_DIGEST } from '@app/receipts';
import { Wallet, hexlify, randomBytes } from 'ethers';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { signUp, startApi, type ApiHarness } from './support/api-harness';
import { freePort } from './support/isolated-services';
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

describe('node process (e2e)', () => {
  let api: ApiHarness;
  let app: INestApplication;
  let node: ChildProcess;
  let nodeUrl: string;
  let listed: ListedNode;
  let dataDir: string;
  const output: string[] = [];
  const name = `e2e-node-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    api = await startApi();
    app = api.app;
    const operator = await signUp(api.url, 'operator');
    dataDir = mkdtempSync(join(tmpdir(), 'twinproof-node-'));
    const port = await freePort();
    nodeUrl = `http://127.0.0.1:${port}`;
    node = spawn(
      process.execPath,
      [
        join(ROOT, 'dist/apps/node/src/main.js'),
        ...['--api', api.url, '--operator-key', operator.apiKey, '--model-id', MODEL_ID],
        ...['--listen', String(port), '--host', '127.0.0.1', '--name', name, '--data-dir', dataDir],
        ...['--heartbeat-ms', '200', '--drain-ms', '10000'],
      ],
      { env: { ...process.env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    node.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    node.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    await waitFor(
      async () => {
        const { body } = await request(api.url).get('/v1/nodes');
        const found = (body as { data: ListedNode[] }).data.find((n) => n.name === name);
        if (found?.healthy) listed = found;
        return listed !== undefined;
      },
      'the node to register and heartbeat',
      30_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\nnode output:\n${output.join('')}`);
    });
  }, 120_000);

  afterAll(async () => {
    if (node && node.exitCode === null) node.kill('SIGKILL');
    await api?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  function inference(): NodeInferenceRequest {
    return {
      model: {
        modelId: MODEL_ID,
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
      const { body } = await request(api.url).get('/v1/nodes');
      return (body as { data: ListedNode[] }).data.find((n) => n.id === listed.id)?.status === 'draining';
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
