// Private chat through Oblivious HTTP, end to end (docs/privacy.md): a client seals an OpenAI-compatible request to a
// node process's gateway, sends it through a relay another operator runs, pays with a Privacy Pass token, and verifies
// the reply's receipt before it would show it. Between the gateway and the api sits a recording proxy, so the test
// sees exactly what the api is told; the relay's log lines are captured, so the test sees what the relay keeps.
import { INestApplicationContext } from '@nestjs/common';
import type { AttestationPolicy } from '@app/attestation';
import { AppConfig } from '@app/config';
import { connectChat } from '@app/testing';
import { PrivateChatClient, type ChatEvent, type PrivateRoute } from '@app/privacy/client';
import { encapsulateRequest, encodeRequest, MEDIA } from '@app/privacy/ohttp';
import { formatAuthorization } from '@app/privacy/tokens/token';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { startRelay, type RunningRelay } from '../apps/relay/src/relay-server';
import { createWorker } from '../apps/worker/src/bootstrap';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';
import { freePort } from './support/isolated-services';
import { buildNodeProcess, NodeProcess, startNodeProcess } from './support/node-processes';
import { devAttestationPolicy } from './support/verification';
import { waitFor } from './support/wait-for';

const HEARTBEAT_MS = 300;
const overrides = {
  // Only the node process serves, and only its gateway is listed.
  NODE_IN_PROCESS: 'false',
  NODE_HEARTBEAT_MS: String(HEARTBEAT_MS),
  BATCH_MAX_AGE_MS: '300',
  RECONCILE_INTERVAL_MS: '1000',
};
const SECRET_WORDS = 'my neighbour Rosalind keeps bees on the roof';
// What a client's own HTTP stack might send the relay: none of it may reach the gateway or the api.
const CLIENT_HEADERS = {
  'user-agent': 'private-client/1.0 (fingerprint-7f3a)',
  'x-forwarded-for': '203.0.113.77',
  forwarded: 'for=203.0.113.77',
  cookie: 'session=tracking-cookie-9c1e',
};

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** Forwards everything to the api unchanged and remembers what the private requests (PrivateToken) carried. */
async function recordingProxy(target: string): Promise<{ url: string; seen: Recorded[]; close(): void }> {
  const seen: Recorded[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    if (/^PrivateToken/i.test(req.headers.authorization ?? '') || req.headers['twinproof-gateway'])
      seen.push({ method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers } });
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => server.close() };
}

/** A relay run by `operator`, registered first (its id goes into the header it adds), with its log lines kept. */
async function registeredRelay(
  apiUrl: string,
  operator: TestUser,
): Promise<{ relay: RunningRelay; id: string; url: string; lines: string[] }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const registered = await request(apiUrl)
    .post('/v1/privacy/relays')
    .set(operator.auth)
    .send({ url, name: `relay of ${operator.handle}` })
    .expect(201);
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const relay = await startRelay({
    apiUrl,
    port,
    host: '127.0.0.1',
    relayId: (registered.body as { id: string }).id,
    logger: pino({ level: 'debug' }, sink),
    directoryMissRefreshMs: 0,
  });
  return { relay, id: (registered.body as { id: string }).id, url, lines };
}

/** A fetch that adds the client's identifying headers (and can change what it sends or receives). */
function clientFetch(
  tamper: { request?: (body: Uint8Array) => Uint8Array; response?: (body: Uint8Array) => Uint8Array } = {},
): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(CLIENT_HEADERS)) headers.set(name, value);
    let body = init?.body;
    if (tamper.request && body instanceof Uint8Array) body = tamper.request(body);
    const response = await fetch(input, { ...init, headers, body });
    if (!tamper.response) return response;
    const bytes = tamper.response(new Uint8Array(await response.arrayBuffer()));
    return new Response(bytes, { status: response.status, headers: response.headers });
  };
}

async function collect(
  events: AsyncIterable<ChatEvent>,
): Promise<{ deltas: string[]; done: ChatEvent & { type: 'done' } }> {
  const deltas: string[] = [];
  for await (const event of events) {
    if (event.type === 'delta') deltas.push(event.text);
    else return { deltas, done: event };
  }
  throw new Error('The stream ended without its done event.');
}

jest.setTimeout(60_000);

describe('private chat through a relay to a node’s OHTTP gateway (e2e)', () => {
  let api: ApiHarness;
  let worker: INestApplicationContext;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let node: NodeProcess;
  let relayB: Awaited<ReturnType<typeof registeredRelay>>;
  let nodeOperator: TestUser;
  let relayOperator: TestUser;
  let consumer: TestUser;
  let persona: { id: string; slug: string };
  let policy: AttestationPolicy;
  let client: PrivateChatClient;
  let route: PrivateRoute;
  let tokens: Uint8Array[];

  beforeAll(async () => {
    buildNodeProcess();
    api = await startApi(overrides);
    worker = await createWorker(AppConfig.fromProcessEnv({ LOG_LEVEL: 'warn', ...overrides }));
    proxy = await recordingProxy(api.url);
    [nodeOperator, relayOperator, consumer] = await Promise.all([
      signUp(api.url, 'operator'),
      signUp(api.url, 'operator'),
      signUp(api.url, 'consumer'),
    ]);
    const creator = await signUp(api.url, 'creator');
    // The node talks to the api through the proxy: registration, heartbeats, and its gateway's forwarded requests.
    node = await startNodeProcess(proxy.url, nodeOperator.apiKey, [
      ...['--heartbeat-ms', String(HEARTBEAT_MS)],
      // Paced like a model, so the reply streams in pieces the test can count.
      ...['--embedded-latency', 'ttft=50,tps=40'],
    ]);
    persona = await createPersona(api.url, creator, {
      name: 'Wren',
      personality: 'discreet',
      modelId: 'embedded',
      verification: 'attested',
    });
    // Its keys come with its heartbeats: published once the api has taken one.
    await waitFor(
      async () =>
        (
          (await request(api.url).get('/v1/privacy/gateways')).body as { data: { nodeId: string }[] }
        ).data.some((g) => g.nodeId === node.listed.id),
      'the node’s gateway keys to be published',
      10_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\nnode output:\n${node.output()}`);
    });
    relayB = await registeredRelay(api.url, relayOperator);
    policy = await devAttestationPolicy();
    client = new PrivateChatClient({
      apiUrl: api.url,
      relayUrl: relayB.url,
      attestationPolicy: policy,
      fetch: clientFetch(),
    });
    route = await client.route({ nodeId: node.listed.id });
    tokens = await client.obtainTokens(consumer.apiKey, 8);
  }, 120_000);

  afterAll(async () => {
    await relayB?.relay.close(0);
    await node?.dispose();
    proxy?.close();
    await worker?.close();
    await api?.close();
  });

  let reply: { deltas: string[]; done: ChatEvent & { type: 'done' } };

  it('streams a reply through the relay, and the client verifies its receipt before showing it', async () => {
    expect(route.gateway.nodeId).toBe(node.listed.id);
    expect(route.relay?.operator.id).toBe(relayOperator.id);
    reply = await collect(
      client.chat({
        route,
        token: tokens.pop()!,
        persona: persona.slug,
        messages: [{ role: 'user', content: `Remember: ${SECRET_WORDS}. What do you think?` }],
      }),
    );
    // Streamed: several pieces arrived before the end, through chunked OHTTP.
    expect(reply.deltas.length).toBeGreaterThan(1);
    expect(reply.done.content).toBe(reply.deltas.join(''));
    expect(reply.done.sessionKey).toMatch(/\S{20,}/);

    const bundle = await client.bundle(route, reply.done.inferenceId, reply.done.sessionKey);
    const verified = await client.verifyReply(route, bundle, reply.done.content);
    expect(verified).toMatchObject({ ok: true, servedByGateway: true });
    // The same receipt does not vouch for other words.
    const forged = await client.verifyReply(route, bundle, `${reply.done.content} (edited)`);
    expect(forged.ok).toBe(false);

    const statuses: string[] = [];
    for await (const update of client.watchProof(route, reply.done.inferenceId, reply.done.sessionKey, {
      until: 'anchored',
      timeoutMs: 30_000,
      intervalMs: 200,
    }))
      statuses.push(update.status);
    expect(statuses.at(-1)).toBe('anchored');
  });

  it('tells the api nothing about the client: no address, no client headers, no account key', () => {
    const chat = proxy.seen.filter((r) => r.path === '/v1/chat/completions');
    expect(chat).toHaveLength(1);
    const [seen] = chat;
    expect(seen.headers.authorization).toMatch(/^PrivateToken token=/);
    expect(JSON.stringify(seen.headers)).not.toContain(consumer.apiKey);
    for (const name of ['x-forwarded-for', 'forwarded', 'cookie', 'x-real-ip', 'via'])
      expect(seen.headers[name]).toBeUndefined();
    expect(seen.headers['user-agent'] ?? '').not.toContain('fingerprint-7f3a');
    // Which relay and which gateway carried it: for the relay-operator figures, nothing about who asked.
    expect(seen.headers['twinproof-relay']).toBe(relayB.id);
    expect(seen.headers['twinproof-gateway']).toBe(node.listed.id);
  });

  it('leaves nothing of the content, sizes or gateways in the relay’s log', () => {
    const log = relayB.lines.join('');
    for (const secret of [
      SECRET_WORDS,
      'Rosalind',
      persona.slug,
      node.listed.id,
      'fingerprint-7f3a',
      '203.0.113.77',
    ])
      expect(log).not.toContain(secret);
    expect(log).not.toContain(reply.done.content.slice(0, 20));
  });

  it('lets nobody else read the private reply, and the session key reads nothing else', async () => {
    const stranger = await signUp(api.url, 'consumer');
    const bundlePath = `/v1/inferences/${reply.done.inferenceId}/bundle`;
    // A bundle is public (anyone may verify a receipt), its content only for the conversation's participant: here
    // the private session alone. Not even the consumer who paid for the token is linked to it.
    for (const outsider of [stranger, consumer]) {
      const seen = (await request(api.url).get(bundlePath).set(outsider.auth).expect(200)).body as Record<
        string,
        unknown
      >;
      expect(seen).not.toHaveProperty('content');
      expect(seen).not.toHaveProperty('salt');
      expect(seen).not.toHaveProperty('input');
    }
    const ownBundle = (
      await request(api.url)
        .get(bundlePath)
        .set({ Authorization: `Bearer ${reply.done.sessionKey}` })
        .expect(200)
    ).body as { content?: string };
    expect(ownBundle.content).toBe(reply.done.content);
    // The session key is a consumer of no conversation but its own: it lists no one else's.
    const own = await request(api.url)
      .get(`/v1/inferences/${reply.done.inferenceId}`)
      .set({ Authorization: `Bearer ${reply.done.sessionKey}` });
    expect(own.status).toBe(200);
    // The key reads proofs and nothing else: a token paid for one request, not for a session to chat on.
    await request(api.url)
      .get('/v1/me')
      .set({ Authorization: `Bearer ${reply.done.sessionKey}` })
      .expect(403);
    await request(api.url)
      .post('/v1/chat/completions')
      .set({ Authorization: `Bearer ${reply.done.sessionKey}` })
      .send({ model: persona.slug, messages: [{ role: 'user', content: 'free chat?' }] })
      .expect(403);
    await expect(connectChat(api.url, reply.done.sessionKey)).rejects.toMatchObject({
      data: { code: 'FORBIDDEN' },
    });
    // Nor can it buy tokens for more private sessions.
    await request(api.url)
      .post('/v1/privacy/tokens')
      .set({ Authorization: `Bearer ${reply.done.sessionKey}` })
      .send({ tokenRequests: ['AAA'] })
      .expect(403);
  });

  it('refuses a spent token inside the encapsulation, with the api’s own code', async () => {
    const token = tokens.pop()!;
    await collect(
      client.chat({
        route,
        token,
        persona: persona.slug,
        messages: [{ role: 'user', content: 'Hello again' }],
      }),
    );
    await expect(
      collect(
        client.chat({
          route,
          token,
          persona: persona.slug,
          messages: [{ role: 'user', content: 'Once more' }],
        }),
      ),
    ).rejects.toMatchObject({ party: 'api', code: 'TOKEN_SPENT', status: 401 });
  });

  it('answers a tampered, a replayed and a truncated request alike, so the relay learns nothing from it', async () => {
    const keyConfig = route.gateway.keyConfig;
    const inner = await encodeRequest(
      new Request(`${api.url}/v1/chain`, { headers: { accept: 'application/json' } }),
    );
    const { encapsulated } = await encapsulateRequest(keyConfig, inner);
    const send = (body: Uint8Array, type: string = MEDIA.request) =>
      fetch(route.endpoint, { method: 'POST', headers: { 'content-type': type }, body });

    const first = await send(encapsulated);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe(MEDIA.response);

    const tampered = Uint8Array.from(encapsulated);
    tampered[tampered.length - 5] ^= 0x01;
    const answers = await Promise.all([
      send(tampered),
      send(encapsulated), // the same bytes again: a replay
      send(encapsulated.subarray(0, encapsulated.length - 20)),
    ]);
    const bodies = await Promise.all(answers.map((a) => a.text()));
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400]);
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodies[0])).toMatchObject({ error: { code: 'OHTTP_UNREADABLE' } });

    // An unknown key id is told apart (RFC 9458 §5.3): it is in clear text, so the relay learns nothing new.
    const otherKey = Uint8Array.from(encapsulated);
    otherKey[0] = (otherKey[0] + 1) % 256;
    const stale = await send(otherKey);
    expect(stale.status).toBe(400);
    expect(await stale.json()).toMatchObject({ error: { code: 'OHTTP_KEY_UNKNOWN' } });

    // Not an OHTTP request at all: refused by the relay, before any gateway.
    const plain = await send(inner, 'application/json');
    expect(plain.status).toBe(415);
  });

  it('detects a relay that changes the answer (the reply is not shown)', async () => {
    const tampering = new PrivateChatClient({
      apiUrl: api.url,
      relayUrl: relayB.url,
      attestationPolicy: policy,
      fetch: clientFetch({
        response: (body) => {
          const copy = Uint8Array.from(body);
          if (copy.length > 40) copy[copy.length - 3] ^= 0x40;
          return copy;
        },
      }),
    });
    await expect(
      collect(
        tampering.chat({
          route,
          token: tokens.pop()!,
          persona: persona.slug,
          messages: [{ role: 'user', content: 'Are you there?' }],
        }),
      ),
    ).rejects.toThrow();
  });

  it('refuses a gateway key its node’s attestation does not vouch for', async () => {
    const swapped = new PrivateChatClient({
      apiUrl: api.url,
      relayUrl: relayB.url,
      attestationPolicy: policy,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const url = input instanceof Request ? input.url : input.toString();
        if (!url.endsWith('/v1/privacy/gateways')) return response;
        const body = (await response.json()) as { data: { keyConfig: string }[] };
        // Someone in the middle (or the api) publishes its own key for the node: the node never signed it.
        const other = (await request(api.url).get('/v1/privacy/gateways')).body as {
          data: { keyConfig: string }[];
        };
        for (const entry of body.data) entry.keyConfig = flipLastByte(other.data[0].keyConfig);
        return new Response(JSON.stringify(body), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      },
    });
    await expect(swapped.route({ nodeId: node.listed.id })).rejects.toMatchObject({
      code: expect.stringMatching(/GATEWAY_UNVERIFIED|NO_GATEWAY|UNKNOWN_GATEWAY/),
    });
  });

  it('reports private traffic by relay operator, and warns when one operator runs the relay and the gateway', async () => {
    const report = (await request(api.url).get('/v1/network').expect(200)).body as {
      windows: Record<string, { privateRequests: number; relayOperators: { entities: { key: string }[] } }>;
      warnings: { kind: string; key?: string; relayId?: string }[];
    };
    expect(report.windows['1h'].privateRequests).toBeGreaterThanOrEqual(2);
    expect(report.windows['1h'].relayOperators.entities.map((e) => e.key)).toContain(relayOperator.handle);
    expect(report.warnings.filter((w) => w.kind === 'relayGateway')).toEqual([]);

    // Someone with a token sends it straight to the api naming a relay and a gateway: not counted, since the gateway's
    // node did not sign that it forwarded it.
    const forged = await request(api.url)
      .post('/v1/chat/completions')
      .set({
        Authorization: formatAuthorization(tokens.pop()!),
        'twinproof-relay': relayB.id,
        'twinproof-gateway': node.listed.id,
        'twinproof-gateway-proof': `0x${'11'.repeat(65)}`,
      })
      .send({ model: persona.slug, messages: [{ role: 'user', content: 'count me' }] });
    expect(forged.status).toBe(200);
    const unchanged = (await request(api.url).get('/v1/network').expect(200)).body as typeof report;
    expect(unchanged.windows['1h'].privateRequests).toBe(report.windows['1h'].privateRequests);

    // The node's own operator runs a relay too, and a client is careless enough to use it.
    const relayA = await registeredRelay(api.url, nodeOperator);
    try {
      const careless = new PrivateChatClient({
        apiUrl: api.url,
        relayUrl: relayA.url,
        attestationPolicy: policy,
      });
      await expect(careless.route({ nodeId: node.listed.id })).rejects.toMatchObject({
        code: 'SAME_OPERATOR',
      });
      const sameRoute = await careless.route({ nodeId: node.listed.id, allowSameOperator: true });
      await collect(
        careless.chat({
          route: sameRoute,
          token: tokens.pop()!,
          persona: persona.slug,
          messages: [{ role: 'user', content: 'Who can see this?' }],
        }),
      );
      const after = (await request(api.url).get('/v1/network').expect(200)).body as typeof report;
      expect(after.warnings).toContainEqual(
        expect.objectContaining({ kind: 'relayGateway', key: nodeOperator.handle, relayId: relayA.id }),
      );
    } finally {
      await relayA.relay.close(0);
    }
  });
});

function flipLastByte(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[bytes.length - 1] ^= 0x01;
  return bytes.toString('base64');
}
